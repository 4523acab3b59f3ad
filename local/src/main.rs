//! `cargo run -p local-api`: every route of the three functions on 127.0.0.1:3000 (`PORT` overrides).
//! `cargo run -p local-api -- add-user <email> [name]`: adds a user to the DynamoDB directory.

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    shared::telemetry::init_local();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "add-user") {
        return local_api::users::add_user_command(args.get(1..).unwrap_or_default()).await;
    }
    let port: u16 = match std::env::var("PORT") {
        Ok(value) => value
            .parse()
            .map_err(|_| format!("PORT must be a port number, not {value:?}"))?,
        Err(_) => 3000,
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let app = local_api::build(
        |name| std::env::var(name).ok().filter(|v| !v.is_empty()),
        port,
    )
    .await?;
    for note in &app.notes {
        tracing::info!("{note}");
    }
    tracing::info!(
        "listening on {0}; try {0}authorize?response_type=token&client_id=local-demo&redirect_uri={1}&scope=openid%20profile%20email%20offline_access&device=my-laptop&state=xyz&nonce=n-0S6",
        app.issuer,
        format_args!("http%3A%2F%2F127.0.0.1%3A{port}%2Fcallback"),
    );
    axum::serve(listener, app.router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
