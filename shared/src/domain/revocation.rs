//! Token revocation (RFC 7009) and introspection (RFC 7662).

use serde_json::{json, Value};

use crate::app::Services;
use crate::clients::Client;
use crate::domain::now;
use crate::domain::refresh::{session_of, Standing};
use crate::error::OAuthError;
use crate::http::params::Params;
use crate::refresh_token;
use crate::secret::RefreshTokenValue;
use crate::store::{RefreshTokenRecord, RefreshTokenRedeemer};

/// RFC 7009 §2.1: revokes the session of a refresh token (current or an
/// earlier generation). Access tokens are self-contained JWTs: revoking one is
/// a no-op, and so is an unknown token (§2.2: 200 either way).
pub async fn revoke(
    services: &Services,
    sessions: &dyn RefreshTokenRedeemer,
    client: &Client,
    params: &Params,
) -> Result<(), OAuthError> {
    let value = RefreshTokenValue::new(params.require("token")?);
    check_hint(params)?;
    let Ok(token) = refresh_token::parse(&value) else {
        return Ok(());
    };
    if token.client_id != client.client_id {
        return Err(OAuthError::InvalidGrant(
            "The token was not issued to this client.".into(),
        ));
    }
    if let Some((record, _)) = session_of(services, sessions, &token).await? {
        let ended = sessions.end_session(record.session()).await?;
        tracing::info!(credential_id = %record.credential_id, client_id = %client.client_id, ended, "refresh token revoked (RFC 7009)");
    }
    Ok(())
}

/// §2.1: `token_type_hint` is optional; unknown hints are ignored, as allowed.
fn check_hint(params: &Params) -> Result<(), OAuthError> {
    params.get("token_type_hint").map(|_| ())
}

/// RFC 7662 §2.2: whether a token is active, and what it is for. Only
/// confidential clients may ask (§2.1).
pub async fn introspect(
    services: &Services,
    sessions: &dyn RefreshTokenRedeemer,
    client: &Client,
    params: &Params,
) -> Result<Value, OAuthError> {
    if !client.is_confidential() {
        return Err(OAuthError::InvalidClient(
            "Introspection needs a confidential client.".into(),
        ));
    }
    let value = params.require("token")?;
    check_hint(params)?;
    if let Ok(token) = refresh_token::parse(&RefreshTokenValue::new(value)) {
        if let Some((record, Standing::Current)) = session_of(services, sessions, &token).await? {
            if let Some(answer) = active_refresh_token(services, &record) {
                return Ok(answer);
            }
        }
        return Ok(json!({"active": false}));
    }
    match services.signer.verify_access_token(value) {
        Ok(claims) => Ok(json!({
            "active": true,
            "token_type": "access_token",
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
fn active_refresh_token(services: &Services, record: &RefreshTokenRecord) -> Option<Value> {
    let policy = services
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
