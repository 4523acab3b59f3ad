//! Failed sign-ins, counted per login and per (login, source address), for
//! brute-force protection (`docs/design/brute-force.md`). A counter lives for
//! a fixed window that starts at its first failure; DynamoDB's TTL removes
//! it afterwards, and until then an expired counter counts as absent.

use async_trait::async_trait;
use aws_lc_rs::digest;

use super::{normalize_username, StoreError};

/// The sort-key prefix of a per-address counter.
pub const ADDRESS_PREFIX: &str = "addr#";
/// The sort key of a per-account counter.
pub const ACCOUNT_KEY: &str = "account";

/// Which counter: the login's, or the login's from one address. The login
/// is kept only as a SHA-256 digest, so probing for emails that have no
/// account leaves no email in the table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FailureKey {
    login_digest: String,
    address: Option<String>,
}

impl FailureKey {
    /// The counter of every failure for `login`, from anywhere.
    pub fn account(login: &str) -> Self {
        Self {
            login_digest: digest_of(login),
            address: None,
        }
    }

    /// The counter of failures for `login` from `address`.
    pub fn address(login: &str, address: &str) -> Self {
        Self {
            login_digest: digest_of(login),
            address: Some(address.to_owned()),
        }
    }

    /// The partition key: `failures#<hex SHA-256 of the normalized login>`.
    pub fn partition_key(&self) -> String {
        format!("failures#{}", self.login_digest)
    }

    /// The sort key: `account`, or `addr#<address>`.
    pub fn sort_key(&self) -> String {
        match &self.address {
            Some(address) => format!("{ADDRESS_PREFIX}{address}"),
            None => ACCOUNT_KEY.to_owned(),
        }
    }
}

fn digest_of(login: &str) -> String {
    let normalized = normalize_username(login);
    digest::digest(&digest::SHA256, normalized.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A live counter: how many failures, and when its window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    /// Failures counted in this window.
    pub count: u64,
    /// When the window ends and the counter is gone (seconds since the epoch).
    pub window_ends: u64,
}

/// Counting failed sign-ins.
#[async_trait]
pub trait SignInFailures: Send + Sync {
    /// The live counter of `key` at `now`; `None` when there is none or its
    /// window has ended.
    async fn failures(
        &self,
        key: &FailureKey,
        now: u64,
    ) -> Result<Option<FailureCount>, StoreError>;
    /// Adds one failure, atomically: to the live counter, or to a new one
    /// whose window of `window` seconds starts `now`. Returns the counter after.
    async fn add_failure(
        &self,
        key: &FailureKey,
        now: u64,
        window: u64,
    ) -> Result<FailureCount, StoreError>;
    /// Removes a counter (a successful sign-in clears its address's).
    async fn clear_failures(&self, key: &FailureKey) -> Result<(), StoreError>;
}
