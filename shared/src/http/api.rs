//! The management API under `/api`: a user's refresh tokens (the classic v1
//! routes), device credentials by id (the classic v2 routes), "sign out
//! everywhere", and user creation. Every route needs a bearer `Caller`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;

use crate::domain::credentials::{self, CredentialView, DeviceCredentialView};
use crate::domain::users::{self, CreatedUser};
use crate::error::OAuthError;
use crate::http::cors::{self, CallerClient};
use crate::http::extract::{Caller, CredentialPath, NoStore, UserPath, UserTokenPath};
use crate::http::header_text;
use crate::http::params::{BodyKind, Params};
use crate::http::route_table::{Method, RouteTable};
use crate::http::state::RevokeState;
use crate::jwt::AccessTokenClaims;

/// Adds the `/api` routes to the revoke function's table.
pub fn routes(table: RouteTable<RevokeState>) -> RouteTable<RevokeState> {
    let tokens = "/api/users/{user_id}/refresh_tokens";
    table
        .add(Method::Get, tokens, list)
        .add(Method::Delete, tokens, revoke_all)
        .add(
            Method::Delete,
            "/api/users/{user_id}/refresh_tokens/{refresh_token}",
            revoke,
        )
        .add(Method::Post, "/api/users", create_user)
        .add(
            Method::Get,
            "/api/device-credentials",
            list_device_credentials,
        )
        .add(
            Method::Delete,
            "/api/device-credentials/{id}",
            revoke_device_credential,
        )
        .add(Method::Options, tokens, preflight)
        .add(
            Method::Options,
            "/api/users/{user_id}/refresh_tokens/{refresh_token}",
            preflight,
        )
        .add(Method::Options, "/api/users", preflight)
        .add(Method::Options, "/api/device-credentials", preflight)
        .add(Method::Options, "/api/device-credentials/{id}", preflight)
}

/// The preflight of every `/api` route (Fetch standard §3.2.2): any origin
/// a client registered may proceed; the answer itself is readable only by
/// the caller's client's origins (`cors::api_layer`).
async fn preflight(State(state): State<RevokeState>, headers: HeaderMap) -> Response {
    cors::preflight(
        &headers,
        &state.services.authority.clients,
        "GET, POST, DELETE",
    )
}

/// Marks a success as readable by the caller's client's web origins.
fn for_caller(caller: &AccessTokenClaims) -> Extension<CallerClient> {
    Extension(CallerClient(caller.client_id.clone()))
}

/// `GET /api/users/{user_id}/refresh_tokens`.
#[tracing::instrument(skip_all, fields(client_id = %caller.client_id))]
async fn list(
    State(state): State<RevokeState>,
    Caller(caller): Caller,
    UserPath(user_id): UserPath,
) -> Result<(Extension<CallerClient>, NoStore<Vec<CredentialView>>), OAuthError> {
    let clients = &state.services.authority.clients;
    credentials::list((state.credentials.as_ref(), clients), &caller, &user_id)
        .await
        .map(|list| (for_caller(&caller), NoStore(list)))
        .map_err(challenge_for(&caller))
}

/// `DELETE /api/users/{user_id}/refresh_tokens/{refresh_token}`: 204 once
/// revoked; the last segment is a refresh token or a credential id.
#[tracing::instrument(skip_all, fields(client_id = %caller.client_id))]
async fn revoke(
    State(state): State<RevokeState>,
    Caller(caller): Caller,
    UserTokenPath((user_id, token)): UserTokenPath,
) -> Result<(Extension<CallerClient>, StatusCode), OAuthError> {
    let stores = (state.credentials.as_ref(), state.sessions.as_ref());
    let authority = &state.services.authority;
    credentials::revoke(authority, stores, &caller, &user_id, &token)
        .await
        .map_err(challenge_for(&caller))?;
    Ok((for_caller(&caller), StatusCode::NO_CONTENT))
}

/// `DELETE /api/users/{user_id}/refresh_tokens`: 204 once all are revoked.
#[tracing::instrument(skip_all, fields(client_id = %caller.client_id))]
async fn revoke_all(
    State(state): State<RevokeState>,
    Caller(caller): Caller,
    UserPath(user_id): UserPath,
) -> Result<(Extension<CallerClient>, StatusCode), OAuthError> {
    let observer = &state.services.authority.observer;
    credentials::revoke_all((state.credentials.as_ref(), observer), &caller, &user_id)
        .await
        .map_err(challenge_for(&caller))?;
    Ok((for_caller(&caller), StatusCode::NO_CONTENT))
}

/// `GET /api/device-credentials?type=refresh_token&user_id=…[&client_id=…]`.
#[tracing::instrument(skip_all, fields(client_id = %caller.client_id))]
async fn list_device_credentials(
    State(state): State<RevokeState>,
    Caller(caller): Caller,
    uri: Uri,
) -> Result<(Extension<CallerClient>, NoStore<Vec<DeviceCredentialView>>), OAuthError> {
    let query = Params::from_urlencoded(uri.query().unwrap_or_default().as_bytes())?.only(&[
        "user_id",
        "type",
        "client_id",
    ])?;
    credentials::list_device_credentials(
        (
            state.credentials.as_ref(),
            &state.services.authority.clients,
        ),
        &caller,
        query.get("user_id")?,
        query.get("type")?,
        query.get("client_id")?,
    )
    .await
    .map(|list| (for_caller(&caller), NoStore(list)))
    .map_err(challenge_for(&caller))
}

/// `DELETE /api/device-credentials/{id}`: 204 once revoked.
#[tracing::instrument(skip_all, fields(client_id = %caller.client_id, credential_id = %id))]
async fn revoke_device_credential(
    State(state): State<RevokeState>,
    Caller(caller): Caller,
    CredentialPath(id): CredentialPath,
) -> Result<(Extension<CallerClient>, StatusCode), OAuthError> {
    let observer = &state.services.authority.observer;
    credentials::revoke_device_credential((state.credentials.as_ref(), observer), &caller, &id)
        .await
        .map_err(challenge_for(&caller))?;
    Ok((for_caller(&caller), StatusCode::NO_CONTENT))
}

/// `POST /api/users` with a JSON body: 201 and the new user.
#[tracing::instrument(skip_all, fields(client_id = %caller.client_id))]
async fn create_user(
    State(state): State<RevokeState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Extension<CallerClient>, NoStore<CreatedUser>), OAuthError> {
    let body = super::read_body(body)?;
    let kind = BodyKind::from_content_type(header_text(&headers, header::CONTENT_TYPE))?;
    if kind != BodyKind::Json {
        return Err(OAuthError::InvalidRequest(
            "This endpoint takes a JSON body.".into(),
        ));
    }
    let new: users::NewUser = serde_json::from_slice(&body).map_err(|e| {
        OAuthError::InvalidRequest(format!(
            "The body must be {{\"email\",\"password\"[,\"name\",\"email_verified\"]}} ({}).",
            json_error_kind(&e)
        ))
    })?;
    let created = users::create(state.users.as_ref(), &caller, new)
        .await
        .map_err(challenge_for(&caller))?;
    Ok((StatusCode::CREATED, for_caller(&caller), NoStore(created)))
}

/// A refusal of a request made with a bound token carries the `DPoP`
/// challenge (RFC 9449 §7.1), a missing scope included.
pub(crate) fn challenge_for(caller: &AccessTokenClaims) -> impl Fn(OAuthError) -> OAuthError {
    let bound = caller.cnf.is_some();
    move |err| {
        if bound {
            err.under_dpop_scheme()
        } else {
            err
        }
    }
}

/// The kind of JSON error, without echoing any part of the body (which
/// holds a password).
fn json_error_kind(err: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof => "malformed JSON",
        Category::Data => "missing, unknown or mistyped field",
        Category::Io => "unreadable body",
    }
}
