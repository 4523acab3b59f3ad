//! The delegation function's routes: the classic `POST /delegation`, and
//! `POST /oauth/token` (RFC 6749 §3.2) with the client credentials grant.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Serialize;

use crate::app::Services;
use crate::clients::GrantType;
use crate::domain::client_auth::{authenticate, presented_client};
use crate::domain::delegation::delegate;
use crate::domain::now;
use crate::error::OAuthError;
use crate::http::params::{BodyKind, Params};
use crate::http::{cors, finish_api_router, header_text, json_no_store, read_params};
use crate::ids::Scope;
use crate::store::RefreshTokenRedeemer;

/// What the delegation handlers need.
#[derive(Clone)]
pub struct DelegationState {
    /// Signer, clients and settings.
    pub services: Arc<Services>,
    /// Where refresh tokens are checked.
    pub tokens: Arc<dyn RefreshTokenRedeemer>,
}

/// The delegation function's router, as it runs on Lambda.
pub fn router(state: DelegationState) -> Router {
    finish_api_router(routes(state))
}

/// The delegation function's routes, without fallbacks, for merging.
pub fn routes(state: DelegationState) -> Router {
    Router::new()
        .route("/delegation", post(delegation).options(preflight))
        .route("/oauth/token", post(token))
        .with_state(state)
}

async fn preflight(State(state): State<DelegationState>, headers: HeaderMap) -> Response {
    cors::preflight(&headers, &state.services.clients)
}

/// `POST /delegation`: JSON or form body, CORS for the client's web origins.
async fn delegation(
    State(state): State<DelegationState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let params = match read_params(&headers, body, &[BodyKind::Form, BodyKind::Json]) {
        Ok(params) => params,
        Err(err) => return err.into_response(),
    };
    let clients = &state.services.clients;
    let cors_client = params
        .get("client_id")
        .ok()
        .flatten()
        .and_then(|id| clients.get(id));
    let result = async {
        let presented = presented_client(header_text(&headers, header::AUTHORIZATION), &params)?;
        let client = authenticate(clients, &presented)?;
        delegate(&state.services, state.tokens.as_ref(), client, &params).await
    }
    .await;
    let mut response = match result {
        Ok(answer) => json_no_store(StatusCode::OK, &answer),
        Err(err) => err.into_response(),
    };
    cors::apply(&mut response, &headers, cors_client);
    response
}

/// The answer of the client credentials grant (RFC 6749 §4.4.3).
#[derive(Debug, Serialize)]
struct ClientCredentialsResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    scope: String,
}

/// `POST /oauth/token`.
async fn token(
    State(state): State<DelegationState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = async {
        let params = read_params(&headers, body, &[BodyKind::Form, BodyKind::Json])?;
        match params.require("grant_type")? {
            "client_credentials" => client_credentials(&state.services, &headers, &params),
            _ => Err(OAuthError::UnsupportedGrantType(
                "This grant type is not supported.".into(),
            )),
        }
    }
    .await;
    match result {
        Ok(answer) => json_no_store(StatusCode::OK, &answer),
        Err(err) => err.into_response(),
    }
}

/// RFC 6749 §4.4: a confidential client gets an access token for its own scopes.
fn client_credentials(
    services: &Services,
    headers: &HeaderMap,
    params: &Params,
) -> Result<ClientCredentialsResponse, OAuthError> {
    let presented = presented_client(header_text(headers, header::AUTHORIZATION), params)?;
    let client = authenticate(&services.clients, &presented)?;
    if !client.is_confidential() || !client.allows_grant(GrantType::ClientCredentials) {
        return Err(OAuthError::UnauthorizedClient(
            "This client may not use client_credentials.".into(),
        ));
    }
    let allowed = client.allowed_scope();
    let scope = match params.get("scope")? {
        None => allowed,
        Some(requested) => {
            let requested =
                Scope::parse(requested).map_err(|e| OAuthError::InvalidScope(e.0.into()))?;
            if !requested.is_subset(&allowed) {
                return Err(OAuthError::InvalidScope(
                    "The client may not ask for this scope.".into(),
                ));
            }
            requested
        }
    };
    let sub = format!("{}@clients", client.client_id);
    let (token, expires_in) = services
        .signer
        .mint_access_token(&sub, &client.client_id, &scope, now())
        .map_err(|_| OAuthError::ServerError("token signing failed".into()))?;
    tracing::info!(client_id = %client.client_id, "client credentials granted");
    Ok(ClientCredentialsResponse {
        access_token: token.expose_secret().to_owned(),
        token_type: "Bearer",
        expires_in,
        scope: scope.to_string(),
    })
}
