//! The HTTP edge: request parsing, pages and one router per function. The
//! same routers run on Lambda (`lambda_http::run`) and in the local server.

pub mod authorize;
mod cors;
pub mod delegation;
pub mod html;
mod management;
pub mod params;
pub mod revoke;
pub mod route_table;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Serialize;

use crate::error::OAuthError;
use crate::http::params::{BodyKind, Params};

/// The largest request body accepted, well under API Gateway's limits.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The body's parameters, if its `Content-Type` is one of `accepted`;
/// `413` when it is too large, `400` when it can't be read or parsed.
pub fn read_params(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    accepted: &[BodyKind],
) -> Result<Params, OAuthError> {
    let body = read_body(body)?;
    let kind = BodyKind::from_content_type(header_text(headers, header::CONTENT_TYPE))?;
    if !accepted.contains(&kind) {
        return Err(OAuthError::InvalidRequest(
            "This endpoint takes a form-encoded body.".into(),
        ));
    }
    Params::from_body(kind, &body)
}

pub(crate) fn read_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, OAuthError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            OAuthError::PayloadTooLarge(format!("The body is larger than {MAX_BODY_BYTES} bytes."))
        } else {
            OAuthError::InvalidRequest("The body could not be read.".into())
        }
    })
}

/// A header's value as text, if present and visible ASCII.
pub fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The `Authorization` header, if present. Sent twice, it is refused: a
/// request uses one way to authenticate (RFC 6750 §3.1, RFC 6749 §2.3).
pub fn authorization(headers: &HeaderMap) -> Result<Option<&str>, OAuthError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(OAuthError::InvalidRequest(
            "Send one Authorization header.".into(),
        ));
    }
    Ok(first.and_then(|v| v.to_str().ok()))
}

/// A JSON answer that must not be cached (RFC 6749 §5.1).
pub fn json_no_store<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let mut response = (status, axum::Json(value)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Adds the body limit and JSON answers for unknown routes and methods.
pub fn finish_api_router(router: Router) -> Router {
    router
        .fallback(|| async { OAuthError::NotFound("No such route.".into()) })
        .method_not_allowed_fallback(|| async { OAuthError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
