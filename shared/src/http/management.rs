//! The management routes of the classic v2 API: device credentials by id,
//! "sign out everywhere", and user creation. Each needs a bearer token.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::revoke::{caller, path_error, RevokeState};
use crate::domain::{credentials, users};
use crate::error::OAuthError;
use crate::http::params::{BodyKind, Params};
use crate::http::{header_text, json_no_store};

fn answer<T: serde::Serialize>(status: StatusCode, result: Result<T, OAuthError>) -> Response {
    match result {
        Ok(value) => json_no_store(status, &value),
        Err(err) => err.into_response(),
    }
}

/// `204 No Content` once done, or the error.
pub(super) fn no_content<T>(result: Result<T, OAuthError>) -> Response {
    match result {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => err.into_response(),
    }
}

/// `GET /api/device-credentials?type=refresh_token&user_id=…[&client_id=…]`.
pub async fn list_device_credentials(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let result = async {
        let caller = caller(&state.services, &headers)?;
        let query = Params::from_urlencoded(uri.query().unwrap_or_default().as_bytes())?;
        credentials::list_device_credentials(
            state.credentials.as_ref(),
            &caller,
            query.get("user_id")?,
            query.get("type")?,
            query.get("client_id")?,
        )
        .await
    }
    .await;
    answer(StatusCode::OK, result)
}

/// `DELETE /api/device-credentials/{id}`: 204 once revoked.
pub async fn revoke_device_credential(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let result = async {
        let caller = caller(&state.services, &headers)?;
        let Path(id) = path.map_err(path_error)?;
        credentials::revoke_device_credential(state.credentials.as_ref(), &caller, &id).await
    }
    .await;
    no_content(result)
}

/// `DELETE /api/users/{user_id}/refresh_tokens`: 204 once all are revoked.
pub async fn revoke_all(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let result = async {
        let caller = caller(&state.services, &headers)?;
        let Path(user_id) = path.map_err(path_error)?;
        credentials::revoke_all(state.credentials.as_ref(), &caller, &user_id).await
    }
    .await;
    no_content(result)
}

/// `POST /api/users` with a JSON body: 201 and the new user.
pub async fn create_user(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = async {
        let caller = caller(&state.services, &headers)?;
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
        users::create(state.users.as_ref(), &caller, new).await
    }
    .await;
    answer(StatusCode::CREATED, result)
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
