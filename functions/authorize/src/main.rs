//! The authorize Lambda: `GET`/`POST /authorize` and `GET /.well-known/jwks.json`.

use shared::http::authorize::{router, AuthorizeState};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let (services, store) = shared::app::cold_start().await;
    lambda_http::run(router(AuthorizeState::new(services, store))).await
}
