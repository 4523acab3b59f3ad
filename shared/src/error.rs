//! The one error type of the service, built on the OAuth 2.0 error codes
//! (RFC 6749 §4.1.2.1, §4.2.2.1 and §5.2; RFC 6750 §3.1), and its single mapping to HTTP.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::dpop;
use crate::observe::{Metric, Observer};
use crate::store::StoreError;

mod convert;
mod fault;

pub use fault::Fault;

/// RFC 9449 §8.1: the header that carries the server's DPoP nonce.
pub const DPOP_NONCE: header::HeaderName = header::HeaderName::from_static("dpop-nonce");

/// Every failure a request can end in. The variant is the RFC error code; the
/// string is the human-readable `error_description`, which never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// RFC 6749 §5.2 `invalid_request`: a parameter is missing, repeated, malformed or too long.
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// RFC 6749 §5.2 `invalid_client`: the client is unknown or failed to authenticate.
    #[error("invalid_client: {0}")]
    InvalidClient(String),
    /// RFC 6749 §5.2 `invalid_grant`: the refresh token or id_token is unknown, revoked or malformed.
    #[error("invalid_grant: {0}")]
    InvalidGrant(String),
    /// RFC 6749 §5.2 `unauthorized_client`: the client may not use this grant or response type.
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(String),
    /// RFC 6749 §5.2 `unsupported_grant_type`.
    #[error("unsupported_grant_type: {0}")]
    UnsupportedGrantType(String),
    /// RFC 6749 §4.2.2.1 `unsupported_response_type`.
    #[error("unsupported_response_type: {0}")]
    UnsupportedResponseType(String),
    /// RFC 6749 §5.2 `invalid_scope`.
    #[error("invalid_scope: {0}")]
    InvalidScope(String),
    /// OIDC Core §3.1.2.6 `login_required`: `prompt=none`, and the user must sign in.
    #[error("login_required: {0}")]
    LoginRequired(String),
    /// OIDC Core §3.1.2.6 `request_not_supported`: a `request` object was sent.
    #[error("request_not_supported: {0}")]
    RequestNotSupported(String),
    /// OIDC Core §3.1.2.6 `request_uri_not_supported`: a `request_uri` was sent.
    #[error("request_uri_not_supported: {0}")]
    RequestUriNotSupported(String),
    /// RFC 6749 §4.2.2.1 `access_denied`: the resource owner's credentials were wrong.
    #[error("access_denied: {0}")]
    AccessDenied(String),
    /// RFC 6750 §3.1 `invalid_token`: the bearer token is missing, invalid or expired.
    #[error("invalid_token: {0}")]
    InvalidToken(String),
    /// RFC 6750 §3.1 `insufficient_scope`: the bearer token lacks the scope named.
    #[error("insufficient_scope: requires {0}")]
    InsufficientScope(&'static str),
    /// RFC 6749 §4.1.2.1 `access_denied`, as `403`: the signed-in user may
    /// not use this page (the admin console for a user who is no admin).
    #[error("access_denied: {0}")]
    Forbidden(String),
    /// The user or credential does not exist, or is not the caller's to see.
    #[error("not_found: {0}")]
    NotFound(String),
    /// The resource already exists (a duplicate username); HTTP 409.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The route exists, but not with this method.
    #[error("method_not_allowed")]
    MethodNotAllowed,
    /// The request body is larger than the service accepts.
    #[error("payload_too_large: {0}")]
    PayloadTooLarge(String),
    /// RFC 9449 §7.1 `invalid_dpop_proof`: the DPoP proof is missing,
    /// malformed, by another key or replayed.
    #[error("invalid_dpop_proof: {0}")]
    InvalidDpopProof(String),
    /// RFC 9449 §8 `use_dpop_nonce`: the proof must carry the server's
    /// nonce, which the answer's `DPoP-Nonce` header gives (a public value).
    #[error("use_dpop_nonce")]
    UseDpopNonce(String),
    /// A refusal at a resource route of a request that used the DPoP
    /// scheme (RFC 9449 §7.1): the inner error, answered `401` (or `403`
    /// for a missing scope) with a `DPoP` challenge instead of `Bearer`.
    #[error("{0}")]
    DpopScheme(Box<OAuthError>),
    /// RFC 6749 §4.1.2.1 `temporarily_unavailable`: the store could not be reached.
    #[error("temporarily_unavailable")]
    TemporarilyUnavailable(#[source] StoreError),
    /// `temporarily_unavailable` too: every password-check slot stayed busy.
    #[error("temporarily_unavailable: busy")]
    Busy,
    /// RFC 6749 §4.1.2.1 `server_error`: a fault of ours; the cause goes to the log only.
    #[error("server_error")]
    ServerError(#[source] Fault),
}

/// The JSON body of every API error: `{"error","error_description"}`.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// The RFC error code.
    pub error: &'static str,
    /// A description for the developer; never a secret.
    pub error_description: String,
}

impl OAuthError {
    /// The RFC error code sent as `error`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient(_) => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::UnsupportedResponseType(_) => "unsupported_response_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::LoginRequired(_) => "login_required",
            Self::RequestNotSupported(_) => "request_not_supported",
            Self::RequestUriNotSupported(_) => "request_uri_not_supported",
            Self::AccessDenied(_) | Self::Forbidden(_) => "access_denied",
            Self::InvalidToken(_) => "invalid_token",
            Self::InvalidDpopProof(_) => "invalid_dpop_proof",
            Self::UseDpopNonce(_) => "use_dpop_nonce",
            Self::DpopScheme(inner) => inner.code(),
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::PayloadTooLarge(_) | Self::MethodNotAllowed => "invalid_request",
            Self::TemporarilyUnavailable(_) | Self::Busy => "temporarily_unavailable",
            Self::ServerError(_) => "server_error",
        }
    }

    /// The `error_description`: safe to show, free of internals.
    pub fn description(&self) -> String {
        match self {
            Self::InvalidRequest(d)
            | Self::InvalidClient(d)
            | Self::InvalidGrant(d)
            | Self::UnauthorizedClient(d)
            | Self::UnsupportedGrantType(d)
            | Self::UnsupportedResponseType(d)
            | Self::InvalidScope(d)
            | Self::LoginRequired(d)
            | Self::RequestNotSupported(d)
            | Self::RequestUriNotSupported(d)
            | Self::AccessDenied(d)
            | Self::Forbidden(d)
            | Self::InvalidToken(d)
            | Self::InvalidDpopProof(d)
            | Self::NotFound(d)
            | Self::Conflict(d)
            | Self::PayloadTooLarge(d) => d.clone(),
            Self::InsufficientScope(scope) => format!("The access token needs the scope {scope}."),
            Self::UseDpopNonce(_) => {
                "Make a new DPoP proof with the nonce of the DPoP-Nonce header.".to_owned()
            }
            Self::DpopScheme(inner) => inner.description(),
            Self::MethodNotAllowed => "The route does not accept this method.".to_owned(),
            Self::TemporarilyUnavailable(_) | Self::Busy => {
                "The service is temporarily unavailable. Try again shortly.".to_owned()
            }
            Self::ServerError(_) => "The server could not complete the request.".to_owned(),
        }
    }

    /// The HTTP status for this error, in one place.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidClient(_) | Self::InvalidToken(_) | Self::AccessDenied(_) => {
                StatusCode::UNAUTHORIZED
            }
            Self::InsufficientScope(_) | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::DpopScheme(inner) => match inner.as_ref() {
                Self::InsufficientScope(_) => StatusCode::FORBIDDEN,
                Self::InvalidToken(_) | Self::InvalidDpopProof(_) | Self::UseDpopNonce(_) => {
                    StatusCode::UNAUTHORIZED
                }
                other => other.status(),
            },
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::TemporarilyUnavailable(_) | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::ServerError(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The `WWW-Authenticate` challenges for 401 and 403 answers (RFC 6749
    /// §5.2, RFC 6750 §3, RFC 9449 §7.1). A refusal for a missing or bad
    /// bearer token names both schemes the resource routes take.
    fn challenges(&self) -> Vec<String> {
        const REALM: &str = "realm=\"offline-access\"";
        let dpop_algs = format!("algs=\"{}\"", dpop::PROOF_ALGORITHMS.join(" "));
        match self {
            Self::InvalidClient(_) => vec![format!("Basic {REALM}")],
            Self::InvalidToken(_) => vec![
                format!("Bearer {REALM}, error=\"invalid_token\""),
                format!("DPoP {REALM}, {dpop_algs}"),
            ],
            Self::InsufficientScope(scope) => vec![format!(
                "Bearer {REALM}, error=\"insufficient_scope\", scope=\"{scope}\""
            )],
            Self::DpopScheme(inner) => {
                let scope = match inner.as_ref() {
                    Self::InsufficientScope(scope) => format!(", scope=\"{scope}\""),
                    _ => String::new(),
                };
                vec![format!(
                    "DPoP {REALM}, error=\"{}\"{scope}, {dpop_algs}",
                    inner.code()
                )]
            }
            _ => Vec::new(),
        }
    }

    /// The server's current DPoP nonce, when the answer asks for it.
    fn dpop_nonce(&self) -> Option<&str> {
        match self {
            Self::UseDpopNonce(nonce) => Some(nonce),
            Self::DpopScheme(inner) => inner.dpop_nonce(),
            _ => None,
        }
    }

    /// This refusal as one of a request that used the DPoP scheme.
    pub fn under_dpop_scheme(self) -> Self {
        match self {
            Self::InvalidToken(_)
            | Self::InvalidDpopProof(_)
            | Self::UseDpopNonce(_)
            | Self::InsufficientScope(_) => Self::DpopScheme(Box::new(self)),
            other => other,
        }
    }

    /// Writes the cause of a 5xx to the log; client errors are logged at debug level.
    pub fn log(&self) {
        match self {
            Self::TemporarilyUnavailable(cause) => {
                tracing::error!(error = %cause, "store unavailable");
                unavailable("store");
            }
            Self::ServerError(fault) => {
                tracing::error!(error = %fault, cause = %Causes(fault), "server error");
            }
            Self::Busy => {
                tracing::warn!("every password-check slot stayed busy");
                unavailable("busy");
            }
            other => tracing::debug!(error = other.code(), "request refused"),
        }
    }
}

/// Counts a `503` by its cause (`store`, `busy`), as a metric line on
/// standard output, where every metric line goes.
fn unavailable(cause: &str) {
    Observer::default().metric(&Metric::count("Unavailable").dimension("Cause", cause));
}

/// The chain of causes below an error, joined by `: ` (empty when there is none).
struct Causes<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut next = self.0.source();
        let mut first = true;
        while let Some(cause) = next {
            if !first {
                f.write_str(": ")?;
            }
            write!(f, "{cause}")?;
            first = false;
            next = cause.source();
        }
        Ok(())
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        self.log();
        let body = ErrorBody {
            error: self.code(),
            error_description: self.description(),
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        for challenge in self.challenges() {
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.append(header::WWW_AUTHENTICATE, value);
            }
        }
        if let Some(value) = self
            .dpop_nonce()
            .and_then(|n| HeaderValue::from_str(n).ok())
        {
            headers.insert(DPOP_NONCE, value);
        }
        if matches!(self, Self::TemporarilyUnavailable(_) | Self::Busy) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests;
