//! The token endpoint's grants (RFC 6749 §4.1.3, §4.4, §6) and the token
//! response they share (§5.1).

use serde::Serialize;

use crate::clients::{Client, DpopPolicy, GrantType};
use crate::domain::code_grant::{exchange, CodeExchange};
use crate::domain::dpop::Proof;
use crate::domain::refresh::redeem;
use crate::domain::requester::Requester;
use crate::domain::{now, Authority};
use crate::error::OAuthError;
use crate::ids::{Scope, OPENID};
use crate::jwt::{IdTokenRequest, Profile};
use crate::secret::{Jwt, RefreshTokenValue};
use crate::store::{Codes, Sessions};

/// A request to the token endpoint (RFC 6749 §3.2), parsed at the edge: one
/// variant per grant, with the parameters that grant takes.
#[derive(Debug)]
pub enum TokenRequest {
    /// §4.1.3: an authorization code for tokens.
    AuthorizationCode(CodeExchange),
    /// §6: a refresh token for new tokens, optionally with a narrower scope.
    RefreshToken {
        /// The presented refresh token.
        refresh_token: RefreshTokenValue,
        /// The requested scope, already parsed; `None` keeps the granted one.
        scope: Option<Scope>,
    },
    /// §4.4: a confidential client's own access token.
    ClientCredentials {
        /// The requested scope; `None` means all the client's scopes.
        scope: Option<Scope>,
    },
}

impl TokenRequest {
    /// The grant the request uses.
    pub fn grant_type(&self) -> GrantType {
        match self {
            Self::AuthorizationCode(_) => GrantType::AuthorizationCode,
            Self::RefreshToken { .. } => GrantType::RefreshToken,
            Self::ClientCredentials { .. } => GrantType::ClientCredentials,
        }
    }
}

/// What the token endpoint's grants reach in the store.
pub struct TokenStores<'a> {
    /// Refresh-token sessions.
    pub sessions: &'a dyn Sessions,
    /// Authorization codes.
    pub codes: &'a dyn Codes,
}

/// Runs a token request for an authenticated client.
pub async fn token(
    authority: &Authority,
    stores: &TokenStores<'_>,
    client: &Client,
    request: TokenRequest,
    requester: &Requester<'_>,
) -> Result<TokenResponse, OAuthError> {
    let proof = requester.proof;
    if client.dpop == DpopPolicy::Required && proof.is_none() {
        return Err(OAuthError::InvalidDpopProof(
            "This client must send a DPoP proof.".into(),
        ));
    }
    match request {
        TokenRequest::AuthorizationCode(code) => {
            exchange(authority, stores, client, &code, requester).await
        }
        TokenRequest::RefreshToken {
            refresh_token,
            scope,
        } => {
            let refresh = RefreshGrant {
                value: &refresh_token,
                requested: scope.as_ref(),
                requester,
            };
            refresh_grant(authority, stores.sessions, client, &refresh).await
        }
        TokenRequest::ClientCredentials { scope } => {
            client_credentials(authority, client, scope.as_ref(), proof)
        }
    }
}

/// A refresh grant's parameters.
struct RefreshGrant<'a> {
    value: &'a RefreshTokenValue,
    requested: Option<&'a Scope>,
    requester: &'a Requester<'a>,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// The access token for the service's API.
    pub access_token: String,
    /// `Bearer`, or `DPoP` for a token bound to the client's key (RFC 9449 §5).
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
    /// When the user signed in.
    pub auth_time: u64,
    /// The thumbprint of the key the access token is bound to (RFC 9449).
    pub jkt: Option<&'a str>,
}

/// Mints the access token, and the id token when `openid` is in `scope`.
pub fn mint_user_tokens(
    authority: &Authority,
    client: &Client,
    subject: &Subject<'_>,
    scope: &Scope,
) -> Result<(Jwt, u64, Option<Jwt>), OAuthError> {
    let now = now();
    let signer = &authority.signer;
    let (access_token, expires_in) =
        signer.mint_bound_access_token(subject.sub, &client.client_id, scope, now, subject.jkt)?;
    let id_token = if scope.contains(OPENID) {
        let request = IdTokenRequest {
            sub: subject.sub,
            audience: &client.client_id,
            profile: subject.profile,
            scope,
            nonce: subject.nonce,
            auth_time: subject.auth_time,
            algorithm: client.id_token_algorithm(),
        };
        Some(signer.mint_id_token(&request, now)?.0)
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
    bound: bool,
) -> TokenResponse {
    let (access_token, expires_in, id_token) = minted;
    TokenResponse {
        access_token: access_token.expose_secret().to_owned(),
        token_type: if bound { "DPoP" } else { "Bearer" },
        expires_in,
        scope: scope.to_string(),
        id_token: id_token.map(|t| t.expose_secret().to_owned()),
        refresh_token: refresh_token.map(|t| t.expose_secret().to_owned()),
    }
}

/// A requested `scope` that must stay within `allowed` (RFC 6749 §3.3, §6).
pub fn narrowed_scope(requested: Option<&Scope>, allowed: &Scope) -> Result<Scope, OAuthError> {
    match requested {
        None => Ok(allowed.clone()),
        Some(requested) if requested.is_subset(allowed) => Ok(requested.clone()),
        Some(_) => Err(OAuthError::InvalidScope(
            "The scope exceeds what was granted.".into(),
        )),
    }
}

/// RFC 6749 §6: a refresh token for new tokens, and its successor when the
/// client rotates.
async fn refresh_grant(
    authority: &Authority,
    sessions: &dyn Sessions,
    client: &Client,
    grant: &RefreshGrant<'_>,
) -> Result<TokenResponse, OAuthError> {
    let (value, requested) = (grant.value, grant.requested);
    if !client.allows_grant(GrantType::RefreshToken) {
        return Err(OAuthError::UnauthorizedClient(
            "This client may not use the refresh_token grant.".into(),
        ));
    }
    let redeemed = redeem(
        authority,
        sessions,
        client,
        value,
        requested,
        grant.requester,
    )
    .await?;
    let scope = narrowed_scope(requested, &redeemed.record.scope)?;
    let subject = Subject {
        sub: redeemed.record.user_id.as_str(),
        profile: &redeemed.record.profile,
        nonce: None,
        // The session began with the sign-in that created it.
        auth_time: redeemed.record.created_at,
        jkt: grant.requester.proof.map(|p| p.jkt.as_str()),
    };
    let minted = mint_user_tokens(authority, client, &subject, &scope)?;
    Ok(token_response(
        minted,
        &scope,
        redeemed.successor,
        subject.jkt.is_some(),
    ))
}

/// RFC 6749 §4.4: a confidential client gets an access token for its own scopes.
fn client_credentials(
    authority: &Authority,
    client: &Client,
    requested: Option<&Scope>,
    proof: Option<&Proof>,
) -> Result<TokenResponse, OAuthError> {
    if !client.is_confidential() || !client.allows_grant(GrantType::ClientCredentials) {
        return Err(OAuthError::UnauthorizedClient(
            "This client may not use client_credentials.".into(),
        ));
    }
    let scope = narrowed_scope(requested, &client.allowed_scope())?;
    let sub = format!("{}@clients", client.client_id);
    let jkt = proof.map(|p| p.jkt.as_str());
    let (token, expires_in) =
        authority
            .signer
            .mint_bound_access_token(&sub, &client.client_id, &scope, now(), jkt)?;
    tracing::info!(client_id = %client.client_id, "client credentials granted");
    Ok(token_response(
        (token, expires_in, None),
        &scope,
        None,
        jkt.is_some(),
    ))
}
