//! Brute-force protection on the login form (`docs/design/brute-force.md`).
//! Failures are counted per login and per (login, source address) in fixed
//! windows. A blocked attempt is answered before any password work, and a
//! login with no account is counted and answered exactly like one with an
//! account, so the answers reveal nothing about which accounts exist.

use crate::domain::password::verify_bounded;
use crate::error::OAuthError;
use crate::observe::{EventCode, Observer, SecurityEvent};
use crate::secret::Password;
use crate::store::{FailureCount, FailureKey, SignInFailures, UserRecord, Users};

/// One limit: this many failures within `window` seconds block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Failures that block.
    pub failures: u64,
    /// The window, in seconds, from the first failure.
    pub window: u64,
}

/// The two limits of a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// One login from one address: 10 failures in 15 minutes by default.
    pub per_address: Limit,
    /// One login from anywhere: 100 failures in an hour by default.
    pub per_account: Limit,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            per_address: Limit {
                failures: 10,
                window: 900,
            },
            per_account: Limit {
                failures: 100,
                window: 3600,
            },
        }
    }
}

/// How a sign-in attempt ended.
#[derive(Debug)]
pub enum Attempt {
    /// The password is right; the address's counter is cleared.
    SignedIn(UserRecord),
    /// The password is wrong, or there is no such login; counted.
    Failed,
    /// Too many failures: the password was not checked. Try again after
    /// `retry_after` seconds.
    Blocked {
        /// Seconds until the blocking window ends.
        retry_after: u64,
    },
}

/// One sign-in attempt of `login` from `address`.
pub async fn attempt(
    (users, failures, observer): (&dyn Users, &dyn SignInFailures, &Observer),
    limits: &SignInLimits,
    (login, address): (&str, &str),
    password: Password,
    now: u64,
) -> Result<Attempt, OAuthError> {
    let pair = FailureKey::address(login, address);
    let account = FailureKey::account(login);
    // The lookups run side by side: one round trip, whether blocked or not.
    let (by_address, by_account, user) = tokio::try_join!(
        failures.failures(&pair, now),
        failures.failures(&account, now),
        users.find_user(login),
    )?;
    let blocked = [
        (by_address, limits.per_address),
        (by_account, limits.per_account),
    ]
    .into_iter()
    .filter_map(|(count, limit)| count.filter(|c| c.count >= limit.failures))
    .map(|c| c.window_ends)
    .max();
    if let Some(until) = blocked {
        return Ok(Attempt::Blocked {
            retry_after: until.saturating_sub(now).max(1),
        });
    }
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let verified = verify_bounded(password, hash).await?;
    match user {
        Some(user) if verified => {
            if by_address.is_some() {
                failures.clear_failures(&pair).await?;
            }
            Ok(Attempt::SignedIn(user))
        }
        user => {
            let keys = Counted {
                pair: &pair,
                account: &account,
                address,
            };
            count((failures, observer), limits, &keys, user.as_ref(), now).await?;
            Ok(Attempt::Failed)
        }
    }
}

struct Counted<'a> {
    pair: &'a FailureKey,
    account: &'a FailureKey,
    address: &'a str,
}

/// Counts one failure on both counters; the failure that reaches a limit
/// is logged as a `security` event.
async fn count(
    (failures, observer): (&dyn SignInFailures, &Observer),
    limits: &SignInLimits,
    keys: &Counted<'_>,
    user: Option<&UserRecord>,
    now: u64,
) -> Result<(), OAuthError> {
    let (by_address, by_account) = tokio::try_join!(
        failures.add_failure(keys.pair, now, limits.per_address.window),
        failures.add_failure(keys.account, now, limits.per_account.window),
    )?;
    let account = user.map_or("none", |u| u.user_id.as_str());
    for (scope, counted, limit) in [
        ("address", by_address, limits.per_address),
        ("account", by_account, limits.per_account),
    ] {
        if reached(counted, limit) {
            let detail = match scope {
                "address" => "too many failed sign-ins for this account from this address; blocked until the window ends",
                _ => "too many failed sign-ins for this account; blocked from every address until the window ends",
            };
            let event = SecurityEvent {
                user_id: Some(account),
                address: Some(keys.address),
                ..SecurityEvent::new(EventCode::SignInBlocked, detail)
            };
            observer.security(event).await;
        }
    }
    Ok(())
}

fn reached(counted: FailureCount, limit: Limit) -> bool {
    counted.count == limit.failures
}
