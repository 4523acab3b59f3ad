//! The HTTP edge: request parsing, pages and one router per function. The
//! same routers run on Lambda (`lambda_http::run`) and in the local server.
//! The edge parses each request once into the typed value the domain takes
//! (`requests`, `client_auth`, `extract`); the domain never imports it.

mod account;
mod admin;
mod api;
mod authorization;
pub mod authorize;
pub mod client_auth;
pub mod cookies;
mod cors;
pub mod delegation;
pub mod extract;
pub mod html;
mod lock;
mod login;
mod logout;
mod pages;
pub mod params;
pub mod peer;
pub mod requests;
mod respond;
pub mod revoke;
pub mod route_table;
mod sign_in;
mod state;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Router;

use crate::error::OAuthError;

/// The largest request body accepted, well under API Gateway's limits.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The body, or `413` when it is too large and `400` when it can't be read.
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

/// The request's `DPoP` proof header (RFC 9449 §4.1), if any; more than one
/// is refused (§4.3 step 1).
pub fn dpop_header(headers: &HeaderMap) -> Result<Option<&str>, OAuthError> {
    let mut values = headers.get_all("dpop").iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(OAuthError::InvalidDpopProof("Send one DPoP header.".into()));
    }
    first
        .map(|v| {
            v.to_str()
                .map_err(|_| OAuthError::InvalidDpopProof("The DPoP header is not a JWT.".into()))
        })
        .transpose()
}

/// Adds the body limit and JSON answers for unknown routes and methods.
pub fn finish_api_router(router: Router) -> Router {
    router
        .fallback(|| async { OAuthError::NotFound("No such route.".into()) })
        .method_not_allowed_fallback(|| async { OAuthError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
