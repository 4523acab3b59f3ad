//! The device pages (the devices issue, items 2 and 3): a signed-in user's
//! own devices at `/account`, and any user's at `/admin` for an admin. Each
//! action names the credential it acts on and whose it is; every admin
//! action is an audit event naming the admin.

use crate::clients::{Client, ClientRegistry};
use crate::domain::device_view::CredentialView;
use crate::error::{Fault, OAuthError};
use crate::ids::{CredentialId, UserId};
use crate::store::{Account, Credentials, RefreshTokenRecord, Users};

/// The id of the client the device pages sign in through.
pub const PAGES_CLIENT_ID: &str = "account";

/// The client the device pages sign in through: the login page comes back
/// to `/account` or `/admin` with a code nobody exchanges (a public client
/// with PKCE whose verifier is thrown away), and the browser's sign-in
/// cookie is what the pages use.
pub fn pages_client(issuer: &str) -> Result<Client, OAuthError> {
    let client = serde_json::json!({
        "client_id": PAGES_CLIENT_ID,
        "name": "Your account",
        "callbacks": [format!("{issuer}account"), format!("{issuer}admin")],
        "grant_types": ["authorization_code"],
        "scopes": ["openid"],
    });
    serde_json::from_value(client)
        .map_err(|_| Fault::Invariant("the pages client did not parse").into())
}

/// One device on a page: the credential, and whether it is the browser the
/// page is open on.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    /// The credential as the lists show it.
    pub view: CredentialView,
    /// Whether this is the device the page is open on.
    pub this_device: bool,
}

/// A user's devices, newest use first, with the page's own device marked.
/// A code-flow sign-in that names no device is named after the browser and
/// the first 8 hex digits of its id cookie ("Firefox on Linux (3f9a0c1d)"):
/// that suffix tells the page's browser apart.
pub async fn devices(
    (credentials, clients): (&dyn Credentials, &ClientRegistry),
    user_id: &UserId,
    browser_tag: Option<&str>,
) -> Result<Vec<DeviceRow>, OAuthError> {
    let mut records = credentials
        .list_credentials(user_id)
        .await?
        .unwrap_or_default();
    records.sort_by_key(|r| std::cmp::Reverse(r.last_used_at));
    Ok(records
        .iter()
        .map(|record| DeviceRow {
            view: CredentialView::of(record, clients),
            this_device: is_this_device(record, browser_tag),
        })
        .collect())
}

/// Whether the record is the code-flow device of the browser whose id
/// cookie starts with `browser_tag`.
fn is_this_device(record: &RefreshTokenRecord, browser_tag: Option<&str>) -> bool {
    browser_tag.is_some_and(|tag| record.device.as_str().ends_with(&format!("({tag})")))
}

/// Parses a credential id from a form; a malformed one is `404`, as unknown.
pub fn credential_id(text: &str) -> Result<CredentialId, OAuthError> {
    CredentialId::parse(text.to_owned()).map_err(|_| OAuthError::NotFound("No such device.".into()))
}

/// Revokes one of `user_id`'s credentials; `404` when it isn't theirs.
pub async fn revoke(
    credentials: &dyn Credentials,
    user_id: &UserId,
    id: &CredentialId,
) -> Result<(), OAuthError> {
    if !credentials.revoke_credential(user_id, id).await? {
        return Err(OAuthError::NotFound("No such device.".into()));
    }
    Ok(())
}

/// Revokes every credential of `user_id` but the device of the browser
/// `browser_tag` names ("sign out everywhere else"), with one list; returns
/// how many it revoked.
pub async fn revoke_others(
    credentials: &dyn Credentials,
    user_id: &UserId,
    browser_tag: Option<&str>,
) -> Result<usize, OAuthError> {
    let records = credentials
        .list_credentials(user_id)
        .await?
        .unwrap_or_default();
    let mut revoked = 0;
    for record in records.iter().filter(|r| !is_this_device(r, browser_tag)) {
        if credentials
            .revoke_credential(user_id, &record.credential_id)
            .await?
        {
            revoked += 1;
        }
    }
    Ok(revoked)
}

/// The admin console's look-up: a user by email, with their account.
pub async fn find_by_email(
    users: &dyn Users,
    email: &str,
) -> Result<Option<(UserId, Account)>, OAuthError> {
    let Some(user) = users.find_user(email).await? else {
        return Ok(None);
    };
    let account = Account {
        username: user.username,
        profile: user.profile,
        admin: user.admin,
    };
    Ok(Some((user.user_id, account)))
}

/// The signed-in user, who must be an admin to use the console (`403`).
pub fn require_admin(account: &Account) -> Result<(), OAuthError> {
    if account.admin {
        Ok(())
    } else {
        Err(OAuthError::Forbidden(
            "The admin console is for admins only.".into(),
        ))
    }
}
