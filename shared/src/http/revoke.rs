//! The revoke function's routes: list a user's refresh tokens and revoke them
//! (management API, `Authorization: Bearer`, RFC 6750 §2.1), plus RFC 7009
//! revocation and RFC 7662 introspection with client authentication.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::app::Services;
use crate::clients::Client;
use crate::domain::client_auth::{authenticate, required_client};
use crate::domain::{credentials, revocation};
use crate::error::OAuthError;
use crate::http::management;
use crate::http::params::{BodyKind, Params};
use crate::http::route_table::{Method, Route, RouteTable};
use crate::http::{authorization, cors, finish_api_router, json_no_store, read_params};
use crate::jwt::AccessTokenClaims;
use crate::store::{DeviceCredentials, RefreshTokenRedeemer, Store, UserDirectory};

/// What the revoke handlers need.
#[derive(Clone)]
pub struct RevokeState {
    /// Signer, clients and settings.
    pub services: Arc<Services>,
    /// The users' credentials.
    pub credentials: Arc<dyn DeviceCredentials>,
    /// Sessions, looked up by token.
    pub sessions: Arc<dyn RefreshTokenRedeemer>,
    /// The user directory, for `POST /api/users`.
    pub users: Arc<dyn UserDirectory>,
}

impl RevokeState {
    /// The state over one store.
    pub fn new(services: Arc<Services>, store: Arc<dyn Store>) -> Self {
        Self {
            services,
            credentials: store.clone(),
            sessions: store.clone(),
            users: store,
        }
    }
}

/// The revoke function's router, as it runs on Lambda.
pub fn router(state: RevokeState) -> Router {
    finish_api_router(routes(state))
}

/// The revoke function's routes, without fallbacks, for merging.
pub fn routes(state: RevokeState) -> Router {
    table().with_state(state)
}

fn table() -> RouteTable<RevokeState> {
    let tokens = "/api/users/{user_id}/refresh_tokens";
    RouteTable::default()
        .add(Method::Get, tokens, list)
        .add(Method::Delete, tokens, management::revoke_all)
        .add(
            Method::Delete,
            "/api/users/{user_id}/refresh_tokens/{refresh_token}",
            revoke,
        )
        .add(Method::Post, "/api/users", management::create_user)
        .add(
            Method::Get,
            "/api/device-credentials",
            management::list_device_credentials,
        )
        .add(
            Method::Delete,
            "/api/device-credentials/{id}",
            management::revoke_device_credential,
        )
        .add(Method::Post, "/oauth/revoke", oauth_revoke)
        .add(Method::Options, "/oauth/revoke", preflight)
        .add(Method::Post, "/oauth/introspect", oauth_introspect)
}

/// What this function serves.
pub fn route_list() -> Vec<Route> {
    table().routes()
}

async fn preflight(State(state): State<RevokeState>, headers: HeaderMap) -> Response {
    cors::preflight(&headers, &state.services.clients)
}

/// Reads a form body and authenticates the client (RFC 6749 §2.3).
fn client_request<'a>(
    state: &'a RevokeState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<&'a Client, OAuthError> {
    let presented = required_client(authorization(headers)?, params)?;
    authenticate(&state.services.clients, &presented)
}

/// `POST /oauth/revoke` (RFC 7009 §2): 200 with an empty body once done.
async fn oauth_revoke(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let params = match read_params(&headers, body, &[BodyKind::Form]) {
        Ok(params) => params,
        Err(err) => return err.into_response(),
    };
    let result = async {
        let client = client_request(&state, &headers, &params)?;
        revocation::revoke(&state.services, state.sessions.as_ref(), client, &params).await
    }
    .await;
    let mut response = match result {
        Ok(()) => StatusCode::OK.into_response(),
        Err(err) => err.into_response(),
    };
    cors::apply(
        &mut response,
        &headers,
        cors::body_client(&state.services.clients, &params),
    );
    response
}

/// `POST /oauth/introspect` (RFC 7662 §2).
async fn oauth_introspect(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = async {
        let params = read_params(&headers, body, &[BodyKind::Form])?;
        let client = client_request(&state, &headers, &params)?;
        revocation::introspect(&state.services, state.sessions.as_ref(), client, &params).await
    }
    .await;
    match result {
        Ok(answer) => json_no_store(StatusCode::OK, &answer),
        Err(err) => err.into_response(),
    }
}

/// The longest bearer token looked at; ours are well under 1 KiB.
const MAX_BEARER_LEN: usize = 8 * 1024;

/// Verifies the bearer token (RFC 6750 §2.1, §3.1).
pub(super) fn caller(
    services: &Services,
    headers: &HeaderMap,
) -> Result<AccessTokenClaims, OAuthError> {
    let value = authorization(headers)?
        .ok_or_else(|| OAuthError::InvalidToken("An access token is required.".into()))?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| OAuthError::InvalidToken("Use the Bearer scheme.".into()))?;
    if token.len() > MAX_BEARER_LEN {
        return Err(OAuthError::InvalidToken(
            "The access token is too long.".into(),
        ));
    }
    services
        .signer
        .verify_access_token(token)
        .map_err(|_| OAuthError::InvalidToken("The access token is invalid or expired.".into()))
}

pub(super) fn path_error(_: PathRejection) -> OAuthError {
    OAuthError::NotFound("No such route.".into())
}

/// `GET /api/users/{user_id}/refresh_tokens`.
async fn list(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let result = async {
        let caller = caller(&state.services, &headers)?;
        let Path(user_id) = path.map_err(path_error)?;
        credentials::list(state.credentials.as_ref(), &caller, &user_id).await
    }
    .await;
    match result {
        Ok(views) => json_no_store(StatusCode::OK, &views),
        Err(err) => err.into_response(),
    }
}

/// `DELETE /api/users/{user_id}/refresh_tokens/{refresh_token}`: 204 once revoked.
async fn revoke(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let result = async {
        let caller = caller(&state.services, &headers)?;
        let Path((user_id, token)) = path.map_err(path_error)?;
        let stores = (state.credentials.as_ref(), state.sessions.as_ref());
        credentials::revoke(&state.services, stores, &caller, &user_id, &token).await
    }
    .await;
    management::no_content(result)
}
