//! The delegation Lambda: `POST /delegation` and `POST /oauth/token`.

use shared::http::delegation::{router, DelegationState};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let (services, store) = shared::app::cold_start().await;
    lambda_http::run(router(DelegationState::new(services, store))).await
}
