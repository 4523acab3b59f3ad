//! Starting a refresh-token session: one record per app, user and device,
//! bound to the first token of its rotation chain.

use crate::clients::Client;
use crate::domain::random_hex;
use crate::error::{Fault, OAuthError};
use crate::ids::{CredentialId, DeviceName, Scope, UserId, OFFLINE_ACCESS};
use crate::jwt::Profile;
use crate::refresh_token::{self, RefreshKeys};
use crate::secret::RefreshTokenValue;
use crate::store::{RefreshTokenRecord, Seen, Sessions};

/// A new random credential id, `dcr_` and 32 hex digits.
pub fn new_credential_id() -> Result<CredentialId, OAuthError> {
    CredentialId::parse(format!("dcr_{}", random_hex(16)?))
        .map_err(|_| Fault::Invariant("a new credential id did not parse").into())
}

/// The device of the session a grant starts, if it starts one: `offline_access`
/// granted, a `device` named, and a client allowed refresh tokens.
pub fn offline_device<'a>(
    client: &Client,
    scope: &Scope,
    device: Option<&'a DeviceName>,
) -> Option<&'a DeviceName> {
    device.filter(|_| scope.contains(OFFLINE_ACCESS) && client.refresh_tokens)
}

/// Who and what a new session is for.
pub struct NewSession<'a> {
    /// The user.
    pub user_id: &'a UserId,
    /// The profile captured at sign-in.
    pub profile: &'a Profile,
    /// The device.
    pub device: &'a DeviceName,
    /// The granted scope.
    pub scope: &'a Scope,
    /// The credential id (chosen earlier for the code flow).
    pub credential_id: CredentialId,
    /// The key the session is bound to, when it starts from a DPoP-proved
    /// request (RFC 9449 §5).
    pub dpop_jkt: Option<String>,
    /// Where the user signed in from.
    pub first_seen: Seen,
    /// Where the request that starts the session came from.
    pub last_seen: Seen,
}

/// Writes the session's record (replacing any earlier one for the same app,
/// user and device) and returns its first refresh token.
pub async fn start(
    sessions: &dyn Sessions,
    keys: &RefreshKeys,
    client: &Client,
    session: NewSession<'_>,
    now: u64,
) -> Result<RefreshTokenValue, OAuthError> {
    let (value, token_hash) =
        refresh_token::mint(keys, session.user_id, &client.client_id, session.device)
            .map_err(|_| Fault::Random)?;
    let policy = client.refresh_policy();
    let record = RefreshTokenRecord {
        user_id: session.user_id.clone(),
        client_id: client.client_id.clone(),
        device: session.device.clone(),
        credential_id: session.credential_id,
        token_hash,
        prev_hash: None,
        rotated_at: None,
        scope: session.scope.clone(),
        created_at: now,
        last_used_at: now,
        expires_at: now + policy.idle_lifetime.min(policy.absolute_lifetime),
        profile: session.profile.clone(),
        dpop_jkt: session.dpop_jkt,
        first_seen: session.first_seen,
        last_seen: session.last_seen,
    };
    make_room(sessions, client, &record, policy.max_sessions).await?;
    sessions.put_refresh_token(&record).await?;
    tracing::info!(credential_id = %record.credential_id, client_id = %client.client_id, "refresh token issued");
    Ok(value)
}

/// The session cap: with `max` sessions of this user and client on other
/// devices, the least recently used ones are revoked to leave room for one more.
async fn make_room(
    sessions: &dyn Sessions,
    client: &Client,
    new: &RefreshTokenRecord,
    max: usize,
) -> Result<(), OAuthError> {
    let mut others: Vec<RefreshTokenRecord> = sessions
        .client_sessions(&new.user_id, &client.client_id)
        .await?
        .into_iter()
        .filter(|r| r.device != new.device)
        .collect();
    if others.len() < max {
        return Ok(());
    }
    others.sort_by_key(|r| r.last_used_at);
    let excess = others.len() + 1 - max;
    for old in others.iter().take(excess) {
        sessions.end_session(old.session()).await?;
        tracing::info!(credential_id = %old.credential_id, client_id = %client.client_id, "session cap reached: least recently used session revoked");
    }
    Ok(())
}
