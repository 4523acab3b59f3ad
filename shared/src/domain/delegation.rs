//! The classic `/delegation` endpoint: trade a refresh token (or a still-valid
//! id token) for a new id token, as Auth0's classic API did.

use serde::Serialize;

use crate::app::Services;
use crate::clients::{Client, GrantType};
use crate::domain::now;
use crate::domain::refresh::redeem;
use crate::error::OAuthError;
use crate::http::params::Params;
use crate::ids::{ClientId, Scope, OPENID};
use crate::jwt::IdTokenRequest;
use crate::secret::RefreshTokenValue;
use crate::store::RefreshTokenRedeemer;

/// The grant type the classic endpoint takes.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The answer: `{"token_type":"Bearer","expires_in":N,"id_token":"…"}`.
#[derive(Debug, Serialize)]
pub struct DelegationResponse {
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// `exp − iat` of the id token.
    pub expires_in: u64,
    /// The new id token.
    pub id_token: String,
    /// The successor refresh token, when the client rotates
    /// (`docs/design/refresh-rotation.md`); classic clients ignore it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// What the caller asked for in `scope`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RequestedScope {
    /// Keep the scope of the original grant (`passthrough`, or no scope).
    Passthrough,
    /// A narrower scope, such as `openid` or `openid profile email`.
    Explicit(Scope),
}

impl RequestedScope {
    fn parse(params: &Params) -> Result<Self, OAuthError> {
        match params.get("scope")? {
            None | Some("passthrough") => Ok(Self::Passthrough),
            Some(value) => {
                let scope =
                    Scope::parse(value).map_err(|e| OAuthError::InvalidScope(e.0.into()))?;
                if !scope.contains(OPENID) {
                    return Err(OAuthError::InvalidScope(
                        "The scope must include openid.".into(),
                    ));
                }
                Ok(Self::Explicit(scope))
            }
        }
    }

    /// The scope of the new token, which can never exceed the granted one.
    fn resolve(&self, granted: &Scope) -> Result<Scope, OAuthError> {
        match self {
            Self::Passthrough => Ok(granted.clone()),
            Self::Explicit(scope) if scope.is_subset(granted) => Ok(scope.clone()),
            Self::Explicit(_) => Err(OAuthError::InvalidScope(
                "The scope exceeds what was granted.".into(),
            )),
        }
    }
}

/// Checks the request's shape and returns the audience of the new token.
fn check_request<'a>(
    services: &'a Services,
    client: &'a Client,
    params: &Params,
) -> Result<&'a ClientId, OAuthError> {
    match params.require("grant_type")? {
        JWT_BEARER => {}
        _ => {
            return Err(OAuthError::UnsupportedGrantType(
                "Only the jwt-bearer grant is supported here.".into(),
            ))
        }
    }
    if !client.allows_grant(GrantType::JwtBearer) {
        return Err(OAuthError::UnauthorizedClient(
            "This client may not use delegation.".into(),
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
    match params.get("target")? {
        None => Ok(&client.client_id),
        Some(target) if target == client.client_id.as_str() => Ok(&client.client_id),
        Some(target) => client
            .delegation_targets
            .iter()
            .find(|t| t.as_str() == target)
            .filter(|t| services.clients.get(t.as_str()).is_some())
            .ok_or_else(|| {
                OAuthError::InvalidRequest("The target is not allowed for this client.".into())
            }),
    }
}

/// Runs a delegation request for an authenticated client.
pub async fn delegate(
    services: &Services,
    tokens: &dyn RefreshTokenRedeemer,
    client: &Client,
    params: &Params,
) -> Result<DelegationResponse, OAuthError> {
    let audience = check_request(services, client, params)?;
    let scope = RequestedScope::parse(params)?;
    let (sub, profile, granted, successor) =
        match (params.get("refresh_token")?, params.get("id_token")?) {
            (Some(token), None) => {
                let redeemed =
                    redeem(services, tokens, client, &RefreshTokenValue::new(token)).await?;
                let record = redeemed.record;
                (
                    record.user_id.to_string(),
                    record.profile,
                    record.scope,
                    redeemed.successor,
                )
            }
            (None, Some(id_token)) => {
                let claims = services
                    .signer
                    .verify_id_token(id_token, &client.client_id)
                    .map_err(|_| {
                        OAuthError::InvalidGrant("The id_token is invalid or expired.".into())
                    })?;
                (
                    claims.sub,
                    claims.profile,
                    Scope::from_tokens([OPENID, "profile", "email"]),
                    None,
                )
            }
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
    let scope = scope.resolve(&granted)?;
    let request = IdTokenRequest {
        sub: &sub,
        audience,
        profile: &profile,
        scope: &scope,
        nonce: None,
    };
    let (id_token, expires_in) = services
        .signer
        .mint_id_token(&request, now())
        .map_err(|_| OAuthError::ServerError("token signing failed".into()))?;
    Ok(DelegationResponse {
        token_type: "Bearer",
        expires_in,
        id_token: id_token.expose_secret().to_owned(),
        refresh_token: successor.map(|t| t.expose_secret().to_owned()),
    })
}
