//! Each request's parameters parsed once, at the edge, into the typed value
//! the domain takes: a repeated parameter is refused here (RFC 6749 §3.1,
//! §3.2), and an unknown grant type is an error, never a default.

use crate::clients::GrantType;
use crate::domain::authorize::AuthorizationParams;
use crate::domain::code_grant::CodeExchange;
use crate::domain::delegation::{DelegationCredential, DelegationRequest, RequestedScope};
use crate::domain::discovery::TOKEN_GRANTS;
use crate::domain::revocation::RevocationRequest;
use crate::domain::token::TokenRequest;
use crate::error::OAuthError;
use crate::http::params::Params;
use crate::ids::Scope;
use crate::secret::{AuthorizationCodeValue, CodeVerifier, Jwt, PresentedToken, RefreshTokenValue};

/// The grant a token request names (RFC 6749 §4.1.3, §4.4, §6); any other
/// value, the jwt-bearer URN included, is `unsupported_grant_type` here.
pub fn token_grant(params: &Params) -> Result<GrantType, OAuthError> {
    GrantType::from_name(params.require("grant_type")?)
        .filter(|grant| TOKEN_GRANTS.contains(grant))
        .ok_or_else(|| OAuthError::UnsupportedGrantType("This grant type is not supported.".into()))
}

/// The parameters of a token request for `grant` (from `token_grant`).
pub fn token_request(grant: GrantType, params: &Params) -> Result<TokenRequest, OAuthError> {
    match grant {
        GrantType::AuthorizationCode => Ok(TokenRequest::AuthorizationCode(CodeExchange {
            code: AuthorizationCodeValue::new(params.require("code")?),
            redirect_uri: params.require("redirect_uri")?.to_owned(),
            code_verifier: params.get("code_verifier")?.map(CodeVerifier::new),
        })),
        GrantType::RefreshToken => Ok(TokenRequest::RefreshToken {
            refresh_token: RefreshTokenValue::new(params.require("refresh_token")?),
            scope: scope(params)?,
        }),
        GrantType::ClientCredentials => Ok(TokenRequest::ClientCredentials {
            scope: scope(params)?,
        }),
        GrantType::Implicit | GrantType::JwtBearer => Err(OAuthError::UnsupportedGrantType(
            "This grant type is not supported.".into(),
        )),
    }
}

/// `scope` as RFC 6749 §3.3 defines it; malformed is `invalid_scope`.
fn scope(params: &Params) -> Result<Option<Scope>, OAuthError> {
    params
        .get("scope")?
        .map(|value| Scope::parse(value).map_err(|e| OAuthError::InvalidScope(e.0.into())))
        .transpose()
}

/// A `/delegation` request: the jwt-bearer grant, `api_type` `app` or
/// `auth0`, and exactly one of `refresh_token` and `id_token`.
pub fn delegation_request(params: &Params) -> Result<DelegationRequest, OAuthError> {
    if GrantType::from_name(params.require("grant_type")?) != Some(GrantType::JwtBearer) {
        return Err(OAuthError::UnsupportedGrantType(
            "Only the jwt-bearer grant is supported here.".into(),
        ));
    }
    match params.get("api_type")? {
        None | Some("app") | Some("auth0") => {}
        Some(_) => {
            return Err(OAuthError::InvalidRequest(
                "api_type must be app or auth0.".into(),
            ))
        }
    }
    let target = params.get("target")?.map(str::to_owned);
    let scope = RequestedScope::parse(params.get("scope")?)?;
    let credential = match (params.get("refresh_token")?, params.get("id_token")?) {
        (Some(token), None) => DelegationCredential::RefreshToken(RefreshTokenValue::new(token)),
        (None, Some(id_token)) => DelegationCredential::IdToken(Jwt::new(id_token)),
        (Some(_), Some(_)) => {
            return Err(OAuthError::InvalidRequest(
                "Send refresh_token or id_token, not both.".into(),
            ))
        }
        (None, None) => {
            return Err(OAuthError::InvalidRequest(
                "Parameter refresh_token is required.".into(),
            ))
        }
    };
    Ok(DelegationRequest {
        credential,
        target,
        scope,
    })
}

/// An RFC 7009 §2.1 (or RFC 7662 §2.1) request: `token` and an optional hint.
pub fn revocation_request(params: &Params) -> Result<RevocationRequest, OAuthError> {
    Ok(RevocationRequest {
        token: PresentedToken::new(params.require("token")?),
        token_type_hint: params.get("token_type_hint")?.map(str::to_owned),
    })
}

/// Where the parameters of an authorization request stand: the callback's
/// first (a failure there is shown on a page), then the rest (a failure
/// there is redirected to the callback, with `state` once it has been read).
pub enum AuthorizationRead {
    /// Every parameter was read.
    Read(AuthorizationParams),
    /// `client_id` or `redirect_uri` could not be read.
    Unreadable(OAuthError),
    /// The callback was read, but another parameter could not be.
    Partial(AuthorizationParams, OAuthError),
}

/// Reads the authorization request's parameters (RFC 6749 §4.1.1, §4.2.1).
pub fn authorization_params(params: &Params) -> AuthorizationRead {
    let callback = || -> Result<AuthorizationParams, OAuthError> {
        Ok(AuthorizationParams {
            client_id: params.get("client_id")?.map(str::to_owned),
            redirect_uri: params.get("redirect_uri")?.map(str::to_owned),
            ..AuthorizationParams::default()
        })
    };
    let mut read = match callback() {
        Ok(read) => read,
        Err(err) => return AuthorizationRead::Unreadable(err),
    };
    // `response_type` decides where errors go; `state` is echoed with them.
    read.response_type = params
        .get("response_type")
        .ok()
        .flatten()
        .map(str::to_owned);
    let rest = |read: &mut AuthorizationParams| -> Result<(), OAuthError> {
        read.state = params.get("state")?.map(str::to_owned);
        read.response_type = params.get("response_type")?.map(str::to_owned);
        read.code_challenge = params.get("code_challenge")?.map(str::to_owned);
        read.code_challenge_method = params.get("code_challenge_method")?.map(str::to_owned);
        read.scope = params.get("scope")?.map(str::to_owned);
        read.nonce = params.get("nonce")?.map(str::to_owned);
        read.device = params.get("device")?.map(str::to_owned);
        read.request = params.get("request")?.is_some();
        read.request_uri = params.get("request_uri")?.is_some();
        read.prompt = params.get("prompt")?.map(str::to_owned);
        read.max_age = params.get("max_age")?.map(str::to_owned);
        read.login_hint = params.get("login_hint")?.map(str::to_owned);
        read.response_mode = params.get("response_mode")?.map(str::to_owned);
        Ok(())
    };
    match rest(&mut read) {
        Ok(()) => AuthorizationRead::Read(read),
        Err(err) => AuthorizationRead::Partial(read, err),
    }
}
