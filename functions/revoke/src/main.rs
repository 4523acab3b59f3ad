//! The revoke Lambda: list a user's refresh tokens and revoke one.

use shared::http::revoke::{router, RevokeState};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let (services, store) = shared::app::cold_start().await;
    lambda_http::run(router(RevokeState::new(services, store))).await
}
