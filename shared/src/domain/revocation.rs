//! Token revocation (RFC 7009) and introspection (RFC 7662).

use serde_json::{json, Value};

use crate::clients::Client;
use crate::domain::refresh::{session_of, Standing};
use crate::domain::{now, Authority};
use crate::error::OAuthError;
use crate::jwt::AccessTokenClaims;
use crate::observe::{EventCode, Metric, SecurityEvent};
use crate::refresh_token;
use crate::secret::{PresentedToken, RefreshTokenValue};
use crate::store::{RefreshTokenRecord, RevokedAccessTokens, Sessions};

/// What revocation and introspection reach in the store.
pub struct RevocationStores<'a> {
    /// Refresh-token sessions.
    pub sessions: &'a dyn Sessions,
    /// Revoked access tokens.
    pub revoked: &'a dyn RevokedAccessTokens,
}

/// A bearer access token issued here, unexpired and not revoked (RFC 6750
/// §3.1): what every route that takes one accepts. (Resource servers that
/// verify the JWT themselves don't see a revocation until the token expires.)
pub async fn check_access_token(
    authority: &Authority,
    revoked: &dyn RevokedAccessTokens,
    token: &str,
) -> Result<AccessTokenClaims, OAuthError> {
    let invalid = || OAuthError::InvalidToken("The access token is invalid or expired.".into());
    let claims = authority
        .signer
        .verify_access_token(token)
        .map_err(|_| invalid())?;
    if !claims.jti.is_empty() && revoked.is_access_token_revoked(&claims.jti, now()).await? {
        return Err(invalid());
    }
    Ok(claims)
}

/// The body of a revocation request (RFC 7009 §2.1), parsed at the edge.
#[derive(Debug)]
pub struct RevocationRequest {
    /// The token: a refresh token or an access token.
    pub token: PresentedToken,
    /// `token_type_hint`; optional, and an unknown hint is ignored, as §2.1 allows.
    pub token_type_hint: Option<String>,
}

/// An introspection request (RFC 7662 §2.1) has the same two parameters.
pub type IntrospectionRequest = RevocationRequest;

fn not_this_clients() -> OAuthError {
    OAuthError::InvalidGrant("The token was not issued to this client.".into())
}

/// RFC 7009 §2.1: revokes the session of a refresh token (current or an
/// earlier generation), or an access token: its `jti` goes on the revoked
/// list until it expires. An unknown token changes nothing (§2.2: 200).
pub async fn revoke(
    authority: &Authority,
    stores: &RevocationStores<'_>,
    client: &Client,
    request: &RevocationRequest,
) -> Result<(), OAuthError> {
    let presented = request.token.expose_secret();
    let keys = &authority.refresh_keys;
    let Ok(token) = refresh_token::parse(keys, &RefreshTokenValue::new(presented)) else {
        return revoke_access_token(authority, stores.revoked, client, presented).await;
    };
    if token.client_id != client.client_id {
        return Err(not_this_clients());
    }
    let sessions = stores.sessions;
    if let Some((record, _)) = session_of(authority, sessions, &token).await? {
        sessions.end_session(record.session()).await?;
        let observer = &authority.observer;
        observer.metric(&Metric::count("Revocations").dimension("By", "client"));
        let event = SecurityEvent {
            user_id: Some(record.user_id.as_str()),
            client_id: Some(client.client_id.as_str()),
            credential_id: Some(record.credential_id.as_str()),
            ..SecurityEvent::new(
                EventCode::RevokedByUser,
                "the app revoked its refresh token's session (RFC 7009)",
            )
        };
        observer.security(event).await;
    }
    Ok(())
}

/// An access token of this client's stops working here at once.
async fn revoke_access_token(
    authority: &Authority,
    revoked: &dyn RevokedAccessTokens,
    client: &Client,
    presented: &str,
) -> Result<(), OAuthError> {
    let Ok(claims) = authority.signer.verify_access_token(presented) else {
        return Ok(());
    };
    if claims.client_id != client.client_id.as_str() {
        return Err(not_this_clients());
    }
    if !claims.jti.is_empty() {
        revoked.revoke_access_token(&claims.jti, claims.exp).await?;
        tracing::info!(client_id = %client.client_id, "access token revoked (RFC 7009)");
    }
    Ok(())
}

/// RFC 7662 §2.2: whether a token is active, and what it is for. Only
/// confidential clients may ask (§2.1).
pub async fn introspect(
    authority: &Authority,
    stores: &RevocationStores<'_>,
    client: &Client,
    request: &IntrospectionRequest,
) -> Result<Value, OAuthError> {
    if !client.is_confidential() {
        return Err(OAuthError::InvalidClient(
            "Introspection needs a confidential client.".into(),
        ));
    }
    let value = request.token.expose_secret();
    let keys = &authority.refresh_keys;
    if let Ok(token) = refresh_token::parse(keys, &RefreshTokenValue::new(value)) {
        let found = session_of(authority, stores.sessions, &token).await?;
        if let Some((record, Standing::Current)) = found {
            if let Some(answer) = active_refresh_token(authority, &record) {
                return Ok(answer);
            }
        }
        return Ok(json!({"active": false}));
    }
    match check_access_token(authority, stores.revoked, value).await {
        Ok(claims) => Ok(active_access_token(claims)),
        Err(OAuthError::InvalidToken(_)) => Ok(json!({"active": false})),
        Err(other) => Err(other),
    }
}

/// The answer for a valid access token. A bound one says so and names its
/// key (RFC 9449 §6.2).
fn active_access_token(claims: AccessTokenClaims) -> Value {
    let bound = claims.cnf.is_some();
    let mut answer = json!({
        "active": true,
        "token_type": if bound { "DPoP" } else { "Bearer" },
        "jti": claims.jti,
        "sub": claims.sub,
        "client_id": claims.client_id,
        "scope": claims.scope,
        "iat": claims.iat,
        "exp": claims.exp,
        "iss": claims.iss,
        "aud": claims.aud,
    });
    if let (Some(cnf), Some(fields)) = (claims.cnf, answer.as_object_mut()) {
        fields.insert("cnf".into(), json!({ "jkt": cnf.jkt }));
    }
    answer
}

/// The answer for a current refresh token, unless its session has expired.
fn active_refresh_token(authority: &Authority, record: &RefreshTokenRecord) -> Option<Value> {
    let policy = authority
        .clients
        .get(record.client_id.as_str())?
        .refresh_policy();
    let exp = record
        .created_at
        .saturating_add(policy.absolute_lifetime)
        .min(record.last_used_at.saturating_add(policy.idle_lifetime));
    if exp < now() {
        return None;
    }
    let mut answer = json!({
        "active": true,
        "token_type": "refresh_token",
        "sub": record.user_id.as_str(),
        "client_id": record.client_id.as_str(),
        "scope": record.scope.to_string(),
        "iat": record.rotated_at.unwrap_or(record.created_at),
        "exp": exp,
        "device": record.device.as_str(),
        "credential_id": record.credential_id.as_str(),
    });
    if let (Some(jkt), Some(fields)) = (&record.dpop_jkt, answer.as_object_mut()) {
        // RFC 9449 §6.2: the key a bound session's refreshes must prove.
        fields.insert("cnf".into(), json!({ "jkt": jkt }));
    }
    Some(answer)
}
