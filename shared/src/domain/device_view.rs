//! A session as the device lists show it (the v1 and v2 APIs, the account
//! page and the admin console): the app, the device, where it signed in and
//! was last used from, and when it expires. Never a token value or hash.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::clients::ClientRegistry;
use crate::domain::browser_device::describe;
use crate::store::{RefreshTokenRecord, Seen};

/// One credential as listed.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialView {
    /// The stable credential id (`dcr_…`).
    pub id: String,
    /// The app.
    pub client_id: String,
    /// The device name.
    pub device_name: String,
    /// The granted scope.
    pub scope: String,
    /// When it was issued (RFC 3339).
    pub created_at: String,
    /// When it was last used (RFC 3339).
    pub last_used_at: String,
    /// Where the user signed in from.
    pub signed_in_from: SeenView,
    /// Where it was last used from (its last refresh, or the code exchange).
    pub last_used_from: SeenView,
    /// When it stops working if nothing happens: the earlier of the two below.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// When it expires unused (the idle lifetime from `last_used_at`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_expires_at: Option<String>,
    /// When it expires whatever happens (the absolute lifetime from `created_at`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absolute_expires_at: Option<String>,
}

/// A request's origin as listed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SeenView {
    /// The IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The `User-Agent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// "Browser on System", read from the `User-Agent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl From<&Seen> for SeenView {
    fn from(seen: &Seen) -> Self {
        Self {
            ip: seen.ip.clone(),
            user_agent: seen.user_agent.clone(),
            description: seen.user_agent.as_deref().and_then(describe),
        }
    }
}

/// Seconds since the epoch as RFC 3339 text.
pub fn rfc3339(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

impl CredentialView {
    /// The view of `record`; its expiry comes from its client's policy (none
    /// when the client is no longer registered).
    pub fn of(record: &RefreshTokenRecord, clients: &ClientRegistry) -> Self {
        let policy = clients
            .get(record.client_id.as_str())
            .map(|c| c.refresh_policy());
        let idle = policy.map(|p| record.last_used_at.saturating_add(p.idle_lifetime));
        let absolute = policy.map(|p| record.created_at.saturating_add(p.absolute_lifetime));
        let earlier = idle.zip(absolute).map(|(i, a)| i.min(a));
        Self {
            id: record.credential_id.to_string(),
            client_id: record.client_id.to_string(),
            device_name: record.device.to_string(),
            scope: record.scope.to_string(),
            created_at: rfc3339(record.created_at),
            last_used_at: rfc3339(record.last_used_at),
            signed_in_from: SeenView::from(&record.first_seen),
            last_used_from: SeenView::from(&record.last_seen),
            expires_at: earlier.map(rfc3339),
            idle_expires_at: idle.map(rfc3339),
            absolute_expires_at: absolute.map(rfc3339),
        }
    }
}

/// One credential in the shape of the classic v2 `device-credentials` API.
#[derive(Debug, Serialize)]
pub struct DeviceCredentialView {
    /// The credential as the user-scoped list shows it.
    #[serde(flatten)]
    pub credential: CredentialView,
    /// Always `refresh_token`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The user it belongs to.
    pub user_id: String,
}
