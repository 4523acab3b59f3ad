//! Sign-ins at the authorization server: a browser that entered its
//! password holds a cookie naming its sign-in, so a later authorization
//! request can be answered without the form (`prompt=none`, OIDC Core
//! §3.1.2.1) and `max_age` can be judged. Stored under the user, by a hash of
//! the cookie's secret, with a TTL.

use async_trait::async_trait;

use super::StoreError;
use crate::ids::UserId;
use crate::refresh_token::TokenHash;

/// One sign-in of one browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRecord {
    /// Who signed in.
    pub user_id: UserId,
    /// SHA-256 of the cookie's secret.
    pub secret_hash: TokenHash,
    /// When the password was entered (`auth_time`).
    pub auth_time: u64,
    /// When the sign-in ends (also the TTL attribute).
    pub expires_at: u64,
}

/// Keeping and ending sign-ins.
#[async_trait]
pub trait SignIns: Send + Sync {
    /// Stores a new sign-in.
    async fn put_sign_in(&self, record: &SignInRecord) -> Result<(), StoreError>;
    /// The sign-in, if it exists and has not ended by `now`.
    async fn find_sign_in(
        &self,
        user_id: &UserId,
        secret_hash: &TokenHash,
        now: u64,
    ) -> Result<Option<SignInRecord>, StoreError>;
    /// Ends a sign-in (logout); nothing happens if there is none.
    async fn end_sign_in(
        &self,
        user_id: &UserId,
        secret_hash: &TokenHash,
    ) -> Result<(), StoreError>;
}
