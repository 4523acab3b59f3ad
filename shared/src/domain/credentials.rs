//! Listing and revoking a user's refresh-token credentials, and who may do it:
//! the user themself, or a caller whose access token carries the admin scope.

use crate::clients::ClientRegistry;
pub use crate::domain::device_view::{CredentialView, DeviceCredentialView};
use crate::domain::refresh::session_of;
use crate::domain::Authority;
use crate::error::OAuthError;
use crate::ids::{CredentialId, UserId};
use crate::jwt::AccessTokenClaims;
use crate::observe::{EventCode, Metric, Observer, SecurityEvent, Unit};
use crate::refresh_token::{self, RefreshToken};
use crate::secret::RefreshTokenValue;
use crate::store::{Credentials, Sessions};

/// The scope that lets a caller list any user's credentials.
pub const READ_SCOPE: &str = "read:device_credentials";
/// The scope that lets a caller revoke any user's credentials.
pub const DELETE_SCOPE: &str = "delete:device_credentials";

/// The caller may act on `user_id`'s credentials if it is that user, or holds `scope`.
/// This is checked before any lookup, so a refusal says nothing about what exists.
fn authorize(
    caller: &AccessTokenClaims,
    user_id: &str,
    scope: &'static str,
) -> Result<(), OAuthError> {
    if caller.sub == user_id || caller.has_scope(scope) {
        Ok(())
    } else {
        Err(OAuthError::InsufficientScope(scope))
    }
}

fn parse_user(user_id: &str) -> Result<UserId, OAuthError> {
    UserId::parse(user_id.to_owned()).map_err(|_| OAuthError::NotFound("Unknown user.".into()))
}

/// Lists a user's credentials.
pub async fn list(
    (store, clients): (&dyn Credentials, &ClientRegistry),
    caller: &AccessTokenClaims,
    user_id: &str,
) -> Result<Vec<CredentialView>, OAuthError> {
    authorize(caller, user_id, READ_SCOPE)?;
    let records = store
        .list_credentials(&parse_user(user_id)?)
        .await?
        .ok_or_else(|| OAuthError::NotFound("Unknown user.".into()))?;
    Ok(records
        .iter()
        .map(|record| CredentialView::of(record, clients))
        .collect())
}

/// Revokes one of a user's credentials, named by its refresh token (the
/// classic API) or by its credential id (`dcr_…`).
pub async fn revoke(
    authority: &Authority,
    stores: (&dyn Credentials, &dyn Sessions),
    caller: &AccessTokenClaims,
    user_id: &str,
    token_or_id: &str,
) -> Result<(), OAuthError> {
    authorize(caller, user_id, DELETE_SCOPE)?;
    let user = parse_user(user_id)?;
    let (credentials, sessions) = stores;
    let not_found = || OAuthError::NotFound("No such refresh token for this user.".into());
    let revoked = if token_or_id.starts_with("dcr_") {
        let id = CredentialId::parse(token_or_id.to_owned()).map_err(|_| not_found())?;
        credentials.revoke_credential(&user, &id).await?
    } else {
        let token = refresh_token::parse(
            &authority.refresh_keys,
            &RefreshTokenValue::new(token_or_id),
        )
        .map_err(|_| not_found())?;
        if token.user_id != user {
            return Err(not_found());
        }
        revoke_family(authority, sessions, &token).await?
    };
    if !revoked {
        return Err(not_found());
    }
    revoked_event(&authority.observer, caller, user_id, None, 1).await;
    Ok(())
}

/// Revokes the session a token opens: by its current token in one
/// conditional delete, or, when the token was rotated out (perhaps by a
/// refresh racing this revoke), by finding its session through its ancestry.
async fn revoke_family(
    authority: &Authority,
    sessions: &dyn Sessions,
    token: &RefreshToken,
) -> Result<bool, OAuthError> {
    // Read, then delete by credential id. A delete whose condition fails
    // after the read found the session (deleted or replaced meanwhile, or
    // the SDK's retry of a delete whose first answer came late) still leaves
    // the presented token opening nothing: it is revoked.
    match session_of(authority, sessions, token).await? {
        Some((record, _)) => {
            sessions.end_session(record.session()).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// `GET /api/device-credentials?type=refresh_token&user_id=…[&client_id=…]`.
pub async fn list_device_credentials(
    stores: (&dyn Credentials, &ClientRegistry),
    caller: &AccessTokenClaims,
    user_id: Option<&str>,
    kind: Option<&str>,
    client_id: Option<&str>,
) -> Result<Vec<DeviceCredentialView>, OAuthError> {
    if kind.is_some_and(|k| k != "refresh_token") {
        return Err(OAuthError::InvalidRequest(
            "Only type=refresh_token is supported.".into(),
        ));
    }
    let user_id = user_id
        .ok_or_else(|| OAuthError::InvalidRequest("Parameter user_id is required.".into()))?;
    let listed = list(stores, caller, user_id).await?;
    Ok(listed
        .into_iter()
        .filter(|c| client_id.is_none_or(|id| c.client_id == id))
        .map(|credential| DeviceCredentialView {
            credential,
            kind: "refresh_token",
            user_id: user_id.to_owned(),
        })
        .collect())
}

/// `DELETE /api/device-credentials/{id}`. A caller who may not revoke the
/// credential gets the same 404 as for one that does not exist.
pub async fn revoke_device_credential(
    (store, observer): (&dyn Credentials, &Observer),
    caller: &AccessTokenClaims,
    id: &str,
) -> Result<(), OAuthError> {
    let not_found = || OAuthError::NotFound("No such device credential.".into());
    let id = CredentialId::parse(id.to_owned()).map_err(|_| not_found())?;
    let record = store.find_credential(&id).await?.ok_or_else(not_found)?;
    authorize(caller, record.user_id.as_str(), DELETE_SCOPE).map_err(|_| not_found())?;
    if !store.revoke_credential(&record.user_id, &id).await? {
        return Err(not_found());
    }
    let user_id = record.user_id.as_str();
    revoked_event(observer, caller, user_id, Some(id.as_str()), 1).await;
    Ok(())
}

/// `DELETE /api/users/{user_id}/refresh_tokens`: sign out everywhere.
pub async fn revoke_all(
    (store, observer): (&dyn Credentials, &Observer),
    caller: &AccessTokenClaims,
    user_id: &str,
) -> Result<usize, OAuthError> {
    authorize(caller, user_id, DELETE_SCOPE)?;
    let revoked = store.revoke_all(&parse_user(user_id)?).await?;
    revoked_event(observer, caller, user_id, None, revoked).await;
    Ok(revoked)
}

/// Counts revocations through the API and logs who made them: the user
/// themself, or a client with the admin scope (`session_revoked_by_admin`,
/// naming that client).
async fn revoked_event(
    observer: &Observer,
    caller: &AccessTokenClaims,
    user_id: &str,
    credential_id: Option<&str>,
    count: usize,
) {
    let own = caller.sub == user_id;
    let (code, by) = match own {
        true => (EventCode::RevokedByUser, "user"),
        false => (EventCode::RevokedByAdmin, "admin"),
    };
    let metric = Metric::count("Revocations").dimension("By", by);
    observer.metric(&metric.value("Sessions", count as f64, Unit::Count));
    let event = SecurityEvent {
        user_id: Some(user_id),
        client_id: Some(caller.client_id.as_str()),
        credential_id,
        admin: (!own).then_some(caller.client_id.as_str()),
        ..SecurityEvent::new(code, "sessions revoked through the management API")
    };
    observer.security(event).await;
}
