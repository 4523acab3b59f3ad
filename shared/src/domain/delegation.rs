//! The classic `/delegation` endpoint: trade a refresh token (or a still-valid
//! id token) for a new id token, as Auth0's classic API did.

use serde::Serialize;

use crate::clients::{Client, GrantType};
use crate::domain::refresh::redeem;
use crate::domain::requester::Requester;
use crate::domain::{now, Authority};
use crate::error::OAuthError;
use crate::ids::{Scope, OPENID};
use crate::jwt::IdTokenRequest;
use crate::secret::{Jwt, RefreshTokenValue};
use crate::store::{Seen, Sessions};

/// A `/delegation` request, parsed at the edge. The edge has already checked
/// `grant_type` (the jwt-bearer URN) and `api_type` (`app` or `auth0`).
#[derive(Debug)]
pub struct DelegationRequest {
    /// What the new id token is traded for.
    pub credential: DelegationCredential,
    /// `target`: the client the new token is for; `None` means the caller.
    pub target: Option<String>,
    /// `scope`.
    pub scope: RequestedScope,
}

/// What a delegation request presents.
#[derive(Debug)]
pub enum DelegationCredential {
    /// A refresh token (the classic native flow).
    RefreshToken(RefreshTokenValue),
    /// A still-valid id token of the same client.
    IdToken(Jwt),
}

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
pub enum RequestedScope {
    /// Keep the scope of the original grant (`passthrough`, or no scope).
    Passthrough,
    /// A narrower scope, such as `openid` or `openid profile email`.
    Explicit(Scope),
}

impl RequestedScope {
    /// Reads the `scope` parameter: `passthrough`, or a scope with `openid`.
    pub fn parse(value: Option<&str>) -> Result<Self, OAuthError> {
        match value {
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

/// The audience of the new token: the caller, or a target it may delegate to.
fn audience<'a>(
    authority: &'a Authority,
    client: &'a Client,
    target: Option<&str>,
) -> Result<&'a Client, OAuthError> {
    if !client.allows_grant(GrantType::JwtBearer) {
        return Err(OAuthError::UnauthorizedClient(
            "This client may not use delegation.".into(),
        ));
    }
    match target {
        None => Ok(client),
        Some(target) if target == client.client_id.as_str() => Ok(client),
        Some(target) => client
            .delegation_targets
            .iter()
            .find(|t| t.as_str() == target)
            .and_then(|t| authority.clients.get(t.as_str()))
            .ok_or_else(|| {
                OAuthError::InvalidRequest("The target is not allowed for this client.".into())
            }),
    }
}

/// Runs a delegation request for an authenticated client.
pub async fn delegate(
    authority: &Authority,
    sessions: &dyn Sessions,
    client: &Client,
    request: &DelegationRequest,
    seen: &Seen,
) -> Result<DelegationResponse, OAuthError> {
    let audience = audience(authority, client, request.target.as_deref())?;
    let (sub, profile, granted, successor, auth_time) = match &request.credential {
        DelegationCredential::RefreshToken(token) => {
            let requested = match &request.scope {
                RequestedScope::Passthrough => None,
                RequestedScope::Explicit(scope) => Some(scope),
            };
            let requester = Requester { proof: None, seen };
            let redeemed =
                redeem(authority, sessions, client, token, requested, &requester).await?;
            let record = redeemed.record;
            (
                record.user_id.to_string(),
                record.profile,
                record.scope,
                redeemed.successor,
                record.created_at,
            )
        }
        DelegationCredential::IdToken(id_token) => {
            let claims = authority
                .signer
                .verify_id_token(id_token.expose_secret(), &client.client_id)
                .map_err(|_| {
                    OAuthError::InvalidGrant("The id_token is invalid or expired.".into())
                })?;
            let auth_time = claims.auth_time.unwrap_or(claims.iat);
            (
                claims.sub,
                claims.profile,
                Scope::from_tokens([OPENID, "profile", "email"]),
                None,
                auth_time,
            )
        }
    };
    let scope = request.scope.resolve(&granted)?;
    let request = IdTokenRequest {
        sub: &sub,
        audience: &audience.client_id,
        profile: &profile,
        scope: &scope,
        nonce: None,
        auth_time,
        algorithm: audience.id_token_algorithm(),
    };
    let (id_token, expires_in) = authority.signer.mint_id_token(&request, now())?;
    Ok(DelegationResponse {
        token_type: "Bearer",
        expires_in,
        id_token: id_token.expose_secret().to_owned(),
        refresh_token: successor.map(|t| t.expose_secret().to_owned()),
    })
}
