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
use crate::domain::dpop::{self, ProofContext};
use crate::domain::revocation::check_access_token;
use crate::domain::{now, Authority};
use crate::error::OAuthError;
use crate::http::params::{BodyKind, Params};
use crate::http::{authorization, dpop_header, header_text, read_body};
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
        let (scheme, token) = access_token(&parts.headers)?;
        let under_scheme = |err: OAuthError| match scheme {
            Scheme::Dpop => err.under_dpop_scheme(),
            Scheme::Bearer => err,
        };
        let claims = check_access_token(&services.authority, revoked.as_ref(), token)
            .await
            .map_err(under_scheme)?;
        check_binding(&services.authority, parts, (scheme, token), &claims)
            .map_err(OAuthError::under_dpop_scheme)?;
        Ok(Caller(claims))
    }
}

/// How the access token was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: Bearer` (RFC 6750 §2.1).
    Bearer,
    /// `Authorization: DPoP` with a `DPoP` proof (RFC 9449 §7.1).
    Dpop,
}

/// The token of an `Authorization: Bearer` or `DPoP` header, unverified.
pub fn access_token(headers: &HeaderMap) -> Result<(Scheme, &str), OAuthError> {
    let value = authorization(headers)?
        .ok_or_else(|| OAuthError::InvalidToken("An access token is required.".into()))?;
    let (scheme, token) = value
        .split_once(' ')
        .and_then(|(scheme, token)| {
            let scheme = if scheme.eq_ignore_ascii_case("bearer") {
                Scheme::Bearer
            } else if scheme.eq_ignore_ascii_case("dpop") {
                Scheme::Dpop
            } else {
                return None;
            };
            Some((scheme, token.trim()))
        })
        .ok_or_else(|| OAuthError::InvalidToken("Use the Bearer or DPoP scheme.".into()))?;
    if token.len() > MAX_BEARER_LEN {
        return Err(OAuthError::InvalidToken(
            "The access token is too long.".into(),
        ));
    }
    Ok((scheme, token))
}

/// The token of an `Authorization` header, unverified, whatever its scheme.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, OAuthError> {
    access_token(headers).map(|(_, token)| token)
}

/// A bound token (`cnf.jkt`) needs the DPoP scheme and a proof by its key
/// for this request (RFC 9449 §7.1); an unbound one needs the Bearer scheme.
/// Every refusal here answers with the `DPoP` challenge. The resource
/// routes ask for no nonce (§9): the proof's 60 s `iat` window, `htm`, `htu`
/// and `ath` bound its replay, and a nonce would cost every call a round trip.
fn check_binding(
    authority: &Authority,
    parts: &Parts,
    (scheme, token): (Scheme, &str),
    claims: &AccessTokenClaims,
) -> Result<(), OAuthError> {
    let refuse = |text: &str| OAuthError::InvalidToken(text.to_owned());
    let bound = match (&claims.cnf, scheme) {
        (None, Scheme::Bearer) => return Ok(()),
        (Some(_), Scheme::Bearer) => {
            return Err(refuse(
                "The access token is bound to a key: use the DPoP scheme.",
            ))
        }
        (None, Scheme::Dpop) => return Err(refuse("The access token is not bound to a key.")),
        (Some(cnf), Scheme::Dpop) => cnf,
    };
    let bad_proof = |text: &str| OAuthError::InvalidDpopProof(text.to_owned());
    let proof =
        dpop_header(&parts.headers)?.ok_or_else(|| bad_proof("A DPoP proof is required."))?;
    let url = format!(
        "{}{}",
        authority.signer.issuer().trim_end_matches('/'),
        parts.uri.path()
    );
    let context = ProofContext {
        method: parts.method.as_str(),
        url: &url,
        access_token: Some(token),
        nonce_key: None,
        now: now(),
    };
    let proof = dpop::verify(proof, &context).map_err(|e| bad_proof(&e.to_string()))?;
    if proof.jkt != bound.jkt {
        return Err(bad_proof(
            "The DPoP proof is not made with the token's key.",
        ));
    }
    Ok(())
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
