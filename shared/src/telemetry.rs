//! Tracing setup. On Lambda the runtime's subscriber is used (it honours
//! `AWS_LAMBDA_LOG_FORMAT`); locally, a human-readable or JSON subscriber.
//! No token, password, key or hash is ever recorded as a field.

use tracing_subscriber::EnvFilter;

/// Installs the local server's subscriber: `RUST_LOG` filters (default `info`),
/// `LOG_FORMAT=json` switches to JSON lines.
pub fn init_local() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = if std::env::var("LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A subscriber installed earlier (by a test harness) is fine to keep.
    let _ = result;
}
