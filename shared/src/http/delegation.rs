//! The delegation function's routes: the classic `POST /delegation`, and
//! `POST /oauth/token` (RFC 6749 §3.2) with the code, refresh token and
//! client credentials grants.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::app::Services;
use crate::domain::client_auth::{authenticate, presented_client, required_client};
use crate::domain::code_grant::{exchange, CodeStores};
use crate::domain::delegation::delegate;
use crate::domain::discovery::TOKEN_GRANTS;
use crate::domain::token::{client_credentials, refresh_grant};
use crate::error::OAuthError;
use crate::http::params::BodyKind;
use crate::http::route_table::{Method, Route, RouteTable};
use crate::http::{authorization, cors, finish_api_router, json_no_store, read_params};
use crate::store::{AuthorizationCodes, RefreshTokenIssuer, RefreshTokenRedeemer, Store};

/// What the delegation handlers need.
#[derive(Clone)]
pub struct DelegationState {
    /// Signer, clients and settings.
    pub services: Arc<Services>,
    /// Where refresh tokens are checked.
    pub tokens: Arc<dyn RefreshTokenRedeemer>,
    /// Where the code grant starts sessions.
    pub issuer: Arc<dyn RefreshTokenIssuer>,
    /// Where authorization codes are used up.
    pub codes: Arc<dyn AuthorizationCodes>,
}

impl DelegationState {
    /// The state over one store.
    pub fn new(services: Arc<Services>, store: Arc<dyn Store>) -> Self {
        Self {
            services,
            tokens: store.clone(),
            issuer: store.clone(),
            codes: store,
        }
    }
}

/// The delegation function's router, as it runs on Lambda.
pub fn router(state: DelegationState) -> Router {
    finish_api_router(routes(state))
}

/// The delegation function's routes, without fallbacks, for merging.
pub fn routes(state: DelegationState) -> Router {
    table().with_state(state)
}

fn table() -> RouteTable<DelegationState> {
    RouteTable::default()
        .add(Method::Post, "/delegation", delegation)
        .add(Method::Options, "/delegation", preflight)
        .add(Method::Post, "/oauth/token", token)
        .add(Method::Options, "/oauth/token", preflight)
}

/// What this function serves.
pub fn route_list() -> Vec<Route> {
    table().routes()
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
    let cors_client = cors::body_client(&state.services.clients, &params);
    let result = async {
        let presented = presented_client(authorization(&headers)?, &params)?;
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

/// `POST /oauth/token` (RFC 6749 §3.2): authenticate the client, then run the grant.
async fn token(
    State(state): State<DelegationState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let params = match read_params(&headers, body, &[BodyKind::Form, BodyKind::Json]) {
        Ok(params) => params,
        Err(err) => return err.into_response(),
    };
    let cors_client = cors::body_client(&state.services.clients, &params);
    let result = async {
        let grant = params.require("grant_type")?;
        if !TOKEN_GRANTS.contains(&grant) {
            return Err(OAuthError::UnsupportedGrantType(
                "This grant type is not supported.".into(),
            ));
        }
        let presented = required_client(authorization(&headers)?, &params)?;
        let client = authenticate(&state.services.clients, &presented)?;
        let services = &state.services;
        match grant {
            "authorization_code" => {
                let stores = CodeStores {
                    codes: state.codes.as_ref(),
                    issuer: state.issuer.as_ref(),
                    sessions: state.tokens.as_ref(),
                };
                exchange(services, &stores, client, &params).await
            }
            "refresh_token" => {
                refresh_grant(services, state.tokens.as_ref(), client, &params).await
            }
            _ => client_credentials(services, client, &params),
        }
    }
    .await;
    let mut response = match result {
        Ok(answer) => json_no_store(StatusCode::OK, &answer),
        Err(err) => err.into_response(),
    };
    cors::apply(&mut response, &headers, cors_client);
    response
}
