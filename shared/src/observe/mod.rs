//! What operators see: security events with stable codes (the README's
//! table), CloudWatch metrics as Embedded Metric Format lines on standard
//! output (no API call on any request's path), and, for the events that
//! need someone to act, a copy on an Amazon EventBridge bus.

pub mod bus;
pub mod emf;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

pub use bus::{EventBridgeBus, EventBus};
pub use emf::{Metric, Unit};

/// The stable code of each security event. Codes are never renamed; new
/// ones are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventCode {
    /// A password sign-in succeeded.
    SignInOk,
    /// A password sign-in failed (wrong email or password).
    SignInFailed,
    /// Too many failures: a login, or a login from an address, is blocked.
    SignInBlocked,
    /// A refresh token was redeemed.
    RefreshOk,
    /// A refresh was refused (expired, revoked, unknown, wrong proof).
    RefreshFailed,
    /// A rotated-out refresh token came back after the leeway; its session ended.
    ReuseDetected,
    /// An authorization code was used twice; the session it started ended.
    CodeReuse,
    /// The user ended a session (the API, RFC 7009, the account page).
    RevokedByUser,
    /// An admin ended a session (the admin console, or the API's admin scope).
    RevokedByAdmin,
    /// The browser's sign-in ended by RP-initiated logout.
    RevokedByLogout,
    /// An admin acted in the admin console (every action, with its admin).
    AdminAction,
}

impl EventCode {
    /// Every code, in the README's order.
    pub const ALL: [Self; 11] = [
        Self::SignInOk,
        Self::SignInFailed,
        Self::SignInBlocked,
        Self::RefreshOk,
        Self::RefreshFailed,
        Self::ReuseDetected,
        Self::CodeReuse,
        Self::RevokedByUser,
        Self::RevokedByAdmin,
        Self::RevokedByLogout,
        Self::AdminAction,
    ];

    /// The code as logged and published.
    pub fn code(self) -> &'static str {
        match self {
            Self::SignInOk => "sign_in_ok",
            Self::SignInFailed => "sign_in_failed",
            Self::SignInBlocked => "sign_in_blocked",
            Self::RefreshOk => "refresh_ok",
            Self::RefreshFailed => "refresh_failed",
            Self::ReuseDetected => "reuse_detected",
            Self::CodeReuse => "code_reuse",
            Self::RevokedByUser => "session_revoked_by_user",
            Self::RevokedByAdmin => "session_revoked_by_admin",
            Self::RevokedByLogout => "session_revoked_by_logout",
            Self::AdminAction => "admin_action",
        }
    }

    /// Whether someone should act on it: these also go to EventBridge.
    pub fn needs_action(self) -> bool {
        matches!(
            self,
            Self::SignInBlocked
                | Self::ReuseDetected
                | Self::CodeReuse
                | Self::RevokedByAdmin
                | Self::AdminAction
        )
    }
}

/// One security event: its code and whom it concerns. Never a token, a
/// password, a key or a hash.
#[derive(Debug, Clone, Copy)]
pub struct SecurityEvent<'a> {
    /// The stable code.
    pub code: EventCode,
    /// The user concerned (`none` for a login without an account).
    pub user_id: Option<&'a str>,
    /// The app.
    pub client_id: Option<&'a str>,
    /// The session.
    pub credential_id: Option<&'a str>,
    /// The request's source address.
    pub address: Option<&'a str>,
    /// The admin who acted.
    pub admin: Option<&'a str>,
    /// What happened, in words.
    pub detail: &'static str,
}

impl<'a> SecurityEvent<'a> {
    /// An event with `code` and `detail`, concerning nobody yet.
    pub fn new(code: EventCode, detail: &'static str) -> Self {
        Self {
            code,
            user_id: None,
            client_id: None,
            credential_id: None,
            address: None,
            admin: None,
            detail,
        }
    }

    /// The event as published on the bus (its `Detail`).
    pub fn detail_json(&self) -> serde_json::Value {
        json!({
            "code": self.code.code(),
            "user_id": self.user_id,
            "client_id": self.client_id,
            "credential_id": self.credential_id,
            "address": self.address,
            "admin": self.admin,
            "detail": self.detail,
        })
    }
}

/// Where metric lines go: standard output on Lambda and locally.
pub type LineSink = Arc<dyn Fn(&str) + Send + Sync>;

/// The longest a request waits for EventBridge before it goes on.
const BUS_TIMEOUT: Duration = Duration::from_secs(1);

/// Emits events and metrics; built once at cold start.
#[derive(Clone)]
pub struct Observer {
    lines: LineSink,
    bus: Option<Arc<dyn EventBus>>,
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observer")
            .field("bus", &self.bus.is_some())
            .finish()
    }
}

impl Default for Observer {
    fn default() -> Self {
        Self::new(Arc::new(|line: &str| println!("{line}")))
    }
}

impl Observer {
    /// Metric lines to `lines`; no bus.
    pub fn new(lines: LineSink) -> Self {
        Self { lines, bus: None }
    }

    /// The same, with the events that need action published on `bus`.
    pub fn with_bus(mut self, bus: Arc<dyn EventBus>) -> Self {
        self.bus = Some(bus);
        self
    }

    /// Writes one metric line (CloudWatch EMF).
    pub fn metric(&self, metric: &Metric<'_>) {
        (self.lines)(&metric.line(emf::now_millis()));
    }

    /// Logs a security event, counts it, and publishes it when it needs
    /// action. A bus that fails or takes over a second is logged and the
    /// request goes on: an event never fails the request that caused it.
    pub async fn security(&self, event: SecurityEvent<'_>) {
        let code = event.code.code();
        if event.code.needs_action() {
            tracing::warn!(target: "security", event = code, user_id = event.user_id, client_id = event.client_id, credential_id = event.credential_id, address = event.address, admin = event.admin, "{}", event.detail);
        } else {
            tracing::info!(target: "security", event = code, user_id = event.user_id, client_id = event.client_id, credential_id = event.credential_id, address = event.address, admin = event.admin, "{}", event.detail);
        }
        self.metric(&Metric::count("SecurityEvents").dimension("Code", code));
        let (Some(bus), true) = (&self.bus, event.code.needs_action()) else {
            return;
        };
        match tokio::time::timeout(BUS_TIMEOUT, bus.publish(&event)).await {
            Ok(Ok(())) => {}
            Ok(Err(problem)) => {
                tracing::error!(event = code, problem = %problem, "a security event could not be published");
            }
            Err(_) => {
                tracing::error!(event = code, "publishing a security event timed out");
            }
        }
    }
}

#[cfg(test)]
mod tests;
