//! The extractors every handler shares, written once: the bearer caller
//! (RFC 6750 §2.1), path segments, and bodies read into `Params`; and the
//! no-store JSON answer (RFC 6749 §5.1).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::Services;
use crate::domain::revocation::check_access_token;
use crate::error::OAuthError;
use crate::http::params::{BodyKind, Params};
use crate::http::{authorization, header_text, read_body};
use crate::jwt::AccessTokenClaims;
use crate::store::RevokedAccessTokens;

/// The longest bearer token looked at; ours are well under 1 KiB.
const MAX_BEARER_LEN: usize = 8 * 1024;

/// The caller of a management route: the verified claims of its bearer
/// access token (RFC 6750 §2.1, §3.1).
#[derive(Debug)]
pub struct Caller(pub AccessTokenClaims);

impl<S> FromRequestParts<S> for Caller
where
    Arc<Services>: FromRef<S>,
    Arc<dyn RevokedAccessTokens>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = OAuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, OAuthError> {
        let services = Arc::<Services>::from_ref(state);
        let revoked = Arc::<dyn RevokedAccessTokens>::from_ref(state);
        let token = bearer_token(&parts.headers)?;
        check_access_token(&services.authority, revoked.as_ref(), token)
            .await
            .map(Caller)
    }
}

/// The token of an `Authorization: Bearer` header (RFC 6750 §2.1), unverified.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, OAuthError> {
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
    Ok(token)
}

/// Path extractors: the segments of a route's path template, parsed once. A
/// path that does not fit is `404`, as for an unknown route. Identifiers stay
/// text here: the domain checks who may ask before it says whether an
/// identifier is well-formed, so a refusal tells nothing about what exists.
macro_rules! path_extractor {
    ($(#[$doc:meta] $name:ident($inner:ty);)*) => {$(
        #[$doc]
        #[derive(Debug)]
        pub struct $name(pub $inner);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = OAuthError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, OAuthError> {
                Path::<$inner>::from_request_parts(parts, state)
                    .await
                    .map(|Path(value)| Self(value))
                    .map_err(|_| OAuthError::NotFound("No such route.".into()))
            }
        }
    )*};
}

path_extractor! {
    /// `{user_id}`.
    UserPath(String);
    /// `{user_id}` and `{refresh_token}`: a user and one of their refresh tokens or credential ids.
    UserTokenPath((String, String));
    /// `{id}` of a device credential.
    CredentialPath(String);
}

/// Reads a body's parameters, if its `Content-Type` is one the route takes:
/// `413` when it is too large, `400` when it can't be read or parsed.
async fn read_params<S: Send + Sync>(
    request: Request,
    state: &S,
    json_too: bool,
) -> Result<Params, OAuthError> {
    let kind = BodyKind::from_content_type(header_text(request.headers(), header::CONTENT_TYPE));
    let body = read_body(Bytes::from_request(request, state).await)?;
    let kind = kind?;
    if kind == BodyKind::Json && !json_too {
        return Err(OAuthError::InvalidRequest(
            "This endpoint takes a form-encoded body.".into(),
        ));
    }
    Params::from_body(kind, &body)
}

/// A form-encoded body (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1).
#[derive(Debug)]
pub struct Form(pub Params);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = OAuthError;

    async fn from_request(request: Request, state: &S) -> Result<Self, OAuthError> {
        read_params(request, state, false).await.map(Self)
    }
}

/// A form or JSON body (the classic SDKs send JSON to `/delegation`).
#[derive(Debug)]
pub struct FormOrJson(pub Params);

impl<S: Send + Sync> FromRequest<S> for FormOrJson {
    type Rejection = OAuthError;

    async fn from_request(request: Request, state: &S) -> Result<Self, OAuthError> {
        read_params(request, state, true).await.map(Self)
    }
}

/// A JSON answer that must not be cached (RFC 6749 §5.1).
#[derive(Debug)]
pub struct NoStore<T>(pub T);

impl<T: Serialize> IntoResponse for NoStore<T> {
    fn into_response(self) -> Response {
        let mut response = axum::Json(self.0).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}
