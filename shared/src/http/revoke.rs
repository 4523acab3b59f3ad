//! The revoke function's routes: list a user's refresh tokens and revoke one.
//! Every route needs `Authorization: Bearer <access token issued here>` (RFC 6750 §2.1).

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;

use crate::app::Services;
use crate::domain::credentials;
use crate::error::OAuthError;
use crate::http::{finish_api_router, header_text, json_no_store};
use crate::jwt::AccessTokenClaims;
use crate::store::DeviceCredentials;

/// What the revoke handlers need.
#[derive(Clone)]
pub struct RevokeState {
    /// Signer, clients and settings.
    pub services: Arc<Services>,
    /// The users' credentials.
    pub credentials: Arc<dyn DeviceCredentials>,
}

/// The revoke function's router, as it runs on Lambda.
pub fn router(state: RevokeState) -> Router {
    finish_api_router(routes(state))
}

/// The revoke function's routes, without fallbacks, for merging.
pub fn routes(state: RevokeState) -> Router {
    Router::new()
        .route("/api/users/{user_id}/refresh_tokens", get(list))
        .route(
            "/api/users/{user_id}/refresh_tokens/{refresh_token}",
            delete(revoke),
        )
        .with_state(state)
}

/// Verifies the bearer token (RFC 6750 §2.1, §3.1).
fn caller(services: &Services, headers: &HeaderMap) -> Result<AccessTokenClaims, OAuthError> {
    let value = header_text(headers, header::AUTHORIZATION)
        .ok_or_else(|| OAuthError::InvalidToken("An access token is required.".into()))?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| OAuthError::InvalidToken("Use the Bearer scheme.".into()))?;
    services
        .signer
        .verify_access_token(token)
        .map_err(|_| OAuthError::InvalidToken("The access token is invalid or expired.".into()))
}

fn path_error(_: PathRejection) -> OAuthError {
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
        credentials::revoke(state.credentials.as_ref(), &caller, &user_id, &token).await
    }
    .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => err.into_response(),
    }
}
