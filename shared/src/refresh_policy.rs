//! A client's refresh-token policy: rotation, retry leeway and lifetimes
//! (`docs/design/refresh-rotation.md`), read once with the client document.

use serde::Deserialize;

/// Default retry leeway after a rotation, in seconds.
pub const DEFAULT_LEEWAY: u64 = 30;
/// Default absolute lifetime of a refresh-token session (30 days).
pub const DEFAULT_ABSOLUTE_LIFETIME: u64 = 30 * 24 * 3600;
/// Default idle lifetime of a refresh-token session (15 days).
pub const DEFAULT_IDLE_LIFETIME: u64 = 15 * 24 * 3600;
/// Default cap on a user's active sessions with one client.
pub const DEFAULT_MAX_SESSIONS: usize = 200;
/// The longest leeway accepted: a retry window, not a second lifetime.
const MAX_LEEWAY: u64 = 300;
/// The longest lifetime accepted (five years).
const MAX_LIFETIME: u64 = 5 * 365 * 24 * 3600;

/// The `refresh_token_policy` object of a client. Every field is optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RefreshPolicyConfig {
    /// Rotate on every refresh; defaults to on for public clients, off for confidential.
    pub rotate: Option<bool>,
    /// Seconds a rotated-out token may still be retried (default 30).
    pub leeway_seconds: Option<u64>,
    /// Seconds a session lives at most, used or not (default 30 days).
    pub absolute_lifetime_seconds: Option<u64>,
    /// Seconds a session may go unused (default 15 days).
    pub idle_lifetime_seconds: Option<u64>,
    /// Active sessions per user with this client (default 200); past it the
    /// least recently used session is revoked.
    pub max_sessions: Option<usize>,
}

/// The resolved policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Whether each refresh returns a new refresh token.
    pub rotate: bool,
    /// Retry leeway in seconds.
    pub leeway: u64,
    /// Absolute lifetime in seconds.
    pub absolute_lifetime: u64,
    /// Idle lifetime in seconds.
    pub idle_lifetime: u64,
    /// Session cap per user and client.
    pub max_sessions: usize,
}

impl RefreshPolicyConfig {
    /// The policy of a client, public or confidential.
    pub fn resolve(&self, confidential: bool) -> RefreshPolicy {
        RefreshPolicy {
            rotate: self.rotate.unwrap_or(!confidential),
            leeway: self.leeway_seconds.unwrap_or(DEFAULT_LEEWAY),
            absolute_lifetime: self
                .absolute_lifetime_seconds
                .unwrap_or(DEFAULT_ABSOLUTE_LIFETIME),
            idle_lifetime: self.idle_lifetime_seconds.unwrap_or(DEFAULT_IDLE_LIFETIME),
            max_sessions: self.max_sessions.unwrap_or(DEFAULT_MAX_SESSIONS),
        }
    }

    /// Checks the ranges; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.leeway_seconds.is_some_and(|l| l > MAX_LEEWAY) {
            return Err(format!("leeway_seconds must be at most {MAX_LEEWAY}"));
        }
        for (name, value) in [
            ("absolute_lifetime_seconds", self.absolute_lifetime_seconds),
            ("idle_lifetime_seconds", self.idle_lifetime_seconds),
        ] {
            if value.is_some_and(|v| v == 0 || v > MAX_LIFETIME) {
                return Err(format!("{name} must be from 1 to {MAX_LIFETIME}"));
            }
        }
        if self.max_sessions == Some(0) {
            return Err("max_sessions must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_clients_rotate_by_default_and_confidential_ones_do_not() {
        let config = RefreshPolicyConfig::default();
        assert!(config.resolve(false).rotate);
        assert!(!config.resolve(true).rotate);
        assert_eq!(config.resolve(false).leeway, 30);
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let long_leeway = RefreshPolicyConfig {
            leeway_seconds: Some(3600),
            ..Default::default()
        };
        assert!(long_leeway.validate().unwrap_err().contains("leeway"));
        let zero = RefreshPolicyConfig {
            idle_lifetime_seconds: Some(0),
            ..Default::default()
        };
        assert!(zero.validate().is_err());
    }
}
