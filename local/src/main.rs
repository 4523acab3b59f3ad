//! `cargo run -p local-api`: every route of the three functions on 127.0.0.1:3000 (`PORT` overrides).
//! `cargo run -p local-api -- add-user <email> [name]`: adds a user to the DynamoDB directory.

use local_api::StartupError;
use tokio::net::TcpListener;

const USAGE: &str = "usage: local-api                          serve every route on 127.0.0.1:$PORT (default 3000)
       local-api add-user [--admin] <email> [name]  add a user (an admin with --admin) to the DynamoDB table TABLE_NAME (password on stdin)
Configuration is read from the environment; see the README's configuration table.";

#[tokio::main]
async fn main() {
    shared::telemetry::init_local();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None => serve().await,
        Some("add-user") => {
            local_api::users::add_user_command(args.get(1..).unwrap_or_default()).await
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => {
            Err(format!("unknown argument {other:?}; run with --help for the usage").into())
        }
    };
    if let Err(err) = result {
        eprintln!("local-api: {err}");
        std::process::exit(1);
    }
}

async fn serve() -> Result<(), StartupError> {
    let port: u16 = match std::env::var("PORT") {
        Ok(value) => value.parse().map_err(|_| {
            format!("PORT is {value:?}, not a port number; set PORT to a number from 1 to 65535, or unset it for 3000")
        })?,
        Err(_) => 3000,
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        format!("PORT {port}: 127.0.0.1:{port} can't be bound ({e}); stop what uses it or set PORT to a free port")
    })?;
    let app = local_api::build(
        |name| std::env::var(name).ok().filter(|v| !v.is_empty()),
        port,
    )
    .await?;
    for note in &app.notes {
        tracing::info!("{note}");
    }
    tracing::info!(
        "listening on http://127.0.0.1:{port}/ (issuer {0}); try {0}authorize?response_type=token&client_id=local-demo&redirect_uri={1}&scope=openid%20profile%20email%20offline_access&device=my-laptop&state=xyz&nonce=n-0S6",
        app.issuer,
        format_args!("http%3A%2F%2F127.0.0.1%3A{port}%2Fcallback"),
    );
    // The socket's peer is the source address the sign-in limits count by.
    let service = app
        .router
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
