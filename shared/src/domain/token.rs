//! The token endpoint's grants (RFC 6749 §4.1.3, §4.4, §6) and the token
//! response they share (§5.1).

use serde::Serialize;

use crate::app::Services;
use crate::clients::{Client, GrantType};
use crate::domain::now;
use crate::domain::refresh::redeem;
use crate::error::OAuthError;
use crate::http::params::Params;
use crate::ids::{Scope, OPENID};
use crate::jwt::{IdTokenRequest, Profile};
use crate::secret::{Jwt, RefreshTokenValue};
use crate::store::RefreshTokenRedeemer;

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// The access token for the service's API.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// The granted scope.
    pub scope: String,
    /// The id token, when `openid` was granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// A refresh token: a new one after a code exchange with `offline_access`,
    /// or the successor after a rotating refresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Who the tokens are about.
pub struct Subject<'a> {
    /// The user id (`sub`).
    pub sub: &'a str,
    /// The profile claims.
    pub profile: &'a Profile,
    /// The OpenID Connect nonce of the original request.
    pub nonce: Option<&'a str>,
}

/// Mints the access token, and the id token when `openid` is in `scope`.
pub fn mint_user_tokens(
    services: &Services,
    client: &Client,
    subject: &Subject<'_>,
    scope: &Scope,
) -> Result<(Jwt, u64, Option<Jwt>), OAuthError> {
    let now = now();
    let sign_failed = |_| OAuthError::ServerError("token signing failed".into());
    let signer = &services.signer;
    let (access_token, expires_in) = signer
        .mint_access_token(subject.sub, &client.client_id, scope, now)
        .map_err(sign_failed)?;
    let id_token = if scope.contains(OPENID) {
        let request = IdTokenRequest {
            sub: subject.sub,
            audience: &client.client_id,
            profile: subject.profile,
            scope,
            nonce: subject.nonce,
        };
        Some(signer.mint_id_token(&request, now).map_err(sign_failed)?.0)
    } else {
        None
    };
    Ok((access_token, expires_in, id_token))
}

/// Builds the §5.1 response.
pub fn token_response(
    minted: (Jwt, u64, Option<Jwt>),
    scope: &Scope,
    refresh_token: Option<RefreshTokenValue>,
) -> TokenResponse {
    let (access_token, expires_in, id_token) = minted;
    TokenResponse {
        access_token: access_token.expose_secret().to_owned(),
        token_type: "Bearer",
        expires_in,
        scope: scope.to_string(),
        id_token: id_token.map(|t| t.expose_secret().to_owned()),
        refresh_token: refresh_token.map(|t| t.expose_secret().to_owned()),
    }
}

/// A requested `scope` that must stay within `allowed` (RFC 6749 §3.3, §6).
pub fn narrowed_scope(params: &Params, allowed: &Scope) -> Result<Scope, OAuthError> {
    match params.get("scope")? {
        None => Ok(allowed.clone()),
        Some(requested) => {
            let requested =
                Scope::parse(requested).map_err(|e| OAuthError::InvalidScope(e.0.into()))?;
            if !requested.is_subset(allowed) {
                return Err(OAuthError::InvalidScope(
                    "The scope exceeds what was granted.".into(),
                ));
            }
            Ok(requested)
        }
    }
}

/// RFC 6749 §6: a refresh token for new tokens, and its successor when the
/// client rotates.
pub async fn refresh_grant(
    services: &Services,
    tokens: &dyn RefreshTokenRedeemer,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    if !client.allows_grant(GrantType::RefreshToken) {
        return Err(OAuthError::UnauthorizedClient(
            "This client may not use the refresh_token grant.".into(),
        ));
    }
    let value = RefreshTokenValue::new(params.require("refresh_token")?);
    // The requested scope is checked against the grant after the redeem, so
    // parse it first: a malformed scope must not use up a rotation.
    if let Some(requested) = params.get("scope")? {
        Scope::parse(requested).map_err(|e| OAuthError::InvalidScope(e.0.into()))?;
    }
    let redeemed = redeem(services, tokens, client, &value).await?;
    let scope = narrowed_scope(params, &redeemed.record.scope)?;
    let subject = Subject {
        sub: redeemed.record.user_id.as_str(),
        profile: &redeemed.record.profile,
        nonce: None,
    };
    let minted = mint_user_tokens(services, client, &subject, &scope)?;
    Ok(token_response(minted, &scope, redeemed.successor))
}

/// RFC 6749 §4.4: a confidential client gets an access token for its own scopes.
pub fn client_credentials(
    services: &Services,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    if !client.is_confidential() || !client.allows_grant(GrantType::ClientCredentials) {
        return Err(OAuthError::UnauthorizedClient(
            "This client may not use client_credentials.".into(),
        ));
    }
    let scope = narrowed_scope(params, &client.allowed_scope())?;
    let sub = format!("{}@clients", client.client_id);
    let (token, expires_in) = services
        .signer
        .mint_access_token(&sub, &client.client_id, &scope, now())
        .map_err(|_| OAuthError::ServerError("token signing failed".into()))?;
    tracing::info!(client_id = %client.client_id, "client credentials granted");
    Ok(token_response((token, expires_in, None), &scope, None))
}
