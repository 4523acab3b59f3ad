//! Tracing setup for the Lambda functions and the local server. No token,
//! password, key or hash is ever recorded as a field by our code, and the
//! filter keeps every dependency at DEBUG or quieter: at TRACE the Lambda
//! runtime logs each raw event (which holds tokens and passwords) and the
//! AWS SDK logs whole items (which hold token hashes).

use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;

/// The filter every subscriber of ours uses: this crate at `level`, every
/// other crate at `level` but never past DEBUG.
pub fn filter(level: LevelFilter) -> EnvFilter {
    let dependencies = level.min(LevelFilter::DEBUG);
    EnvFilter::builder().parse_lossy(format!("{dependencies},shared={level}"))
}

/// The level from `AWS_LAMBDA_LOG_LEVEL` (Lambda's advanced logging
/// controls), else `RUST_LOG` read as a plain level, else INFO. Per-crate
/// directives are not honoured, so no setting can turn on a dependency's TRACE.
fn level_from_env() -> LevelFilter {
    std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(LevelFilter::INFO)
}

/// Installs a Lambda function's subscriber: JSON lines when
/// `AWS_LAMBDA_LOG_FORMAT=JSON`, text otherwise; no timestamps (CloudWatch adds them).
pub fn init_lambda() {
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter(level_from_env()));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    // An already installed subscriber (none on Lambda) is kept.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Installs the local server's subscriber: the level from `RUST_LOG`
/// (default INFO), and `LOG_FORMAT=json` switches to JSON lines.
pub fn init_local() {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(level_from_env()))
        .with_target(false);
    // A subscriber installed earlier (by a test harness) is fine to keep.
    let _ = if std::env::var("LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_never_log_past_debug() {
        let filter = filter(LevelFilter::TRACE).to_string();
        assert!(filter.contains("shared=trace"), "{filter}");
        assert!(
            filter.contains("debug") && !filter.replace("shared=trace", "").contains("trace"),
            "{filter}"
        );
    }
}
