//! Token revocation (RFC 7009) and introspection (RFC 7662).

use serde_json::{json, Value};

use crate::clients::Client;
use crate::domain::refresh::{session_of, Standing};
use crate::domain::{now, Authority};
use crate::error::OAuthError;
use crate::refresh_token;
use crate::secret::{PresentedToken, RefreshTokenValue};
use crate::store::{RefreshTokenRecord, Sessions};

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

/// RFC 7009 §2.1: revokes the session of a refresh token (current or an
/// earlier generation). Access tokens are self-contained JWTs: revoking one is
/// a no-op, and so is an unknown token (§2.2: 200 either way).
pub async fn revoke(
    authority: &Authority,
    sessions: &dyn Sessions,
    client: &Client,
    request: &RevocationRequest,
) -> Result<(), OAuthError> {
    let value = RefreshTokenValue::new(request.token.expose_secret());
    let Ok(token) = refresh_token::parse(&value) else {
        return Ok(());
    };
    if token.client_id != client.client_id {
        return Err(OAuthError::InvalidGrant(
            "The token was not issued to this client.".into(),
        ));
    }
    if let Some((record, _)) = session_of(authority, sessions, &token).await? {
        let ended = sessions.end_session(record.session()).await?;
        tracing::info!(credential_id = %record.credential_id, client_id = %client.client_id, ended, "refresh token revoked (RFC 7009)");
    }
    Ok(())
}

/// RFC 7662 §2.2: whether a token is active, and what it is for. Only
/// confidential clients may ask (§2.1).
pub async fn introspect(
    authority: &Authority,
    sessions: &dyn Sessions,
    client: &Client,
    request: &IntrospectionRequest,
) -> Result<Value, OAuthError> {
    if !client.is_confidential() {
        return Err(OAuthError::InvalidClient(
            "Introspection needs a confidential client.".into(),
        ));
    }
    let value = request.token.expose_secret();
    if let Ok(token) = refresh_token::parse(&RefreshTokenValue::new(value)) {
        if let Some((record, Standing::Current)) = session_of(authority, sessions, &token).await? {
            if let Some(answer) = active_refresh_token(authority, &record) {
                return Ok(answer);
            }
        }
        return Ok(json!({"active": false}));
    }
    match authority.signer.verify_access_token(value) {
        Ok(claims) => Ok(json!({
            "active": true,
            "token_type": "Bearer",
            "jti": claims.jti,
            "sub": claims.sub,
            "client_id": claims.client_id,
            "scope": claims.scope,
            "iat": claims.iat,
            "exp": claims.exp,
            "iss": claims.iss,
            "aud": claims.aud,
        })),
        Err(_) => Ok(json!({"active": false})),
    }
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
    Some(json!({
        "active": true,
        "token_type": "refresh_token",
        "sub": record.user_id.as_str(),
        "client_id": record.client_id.as_str(),
        "scope": record.scope.to_string(),
        "iat": record.rotated_at.unwrap_or(record.created_at),
        "exp": exp,
        "device": record.device.as_str(),
        "credential_id": record.credential_id.as_str(),
    }))
}
