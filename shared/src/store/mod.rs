//! The store: the records the service keeps, and the narrow interfaces each
//! function uses to reach them. DynamoDB is the real implementation; the
//! in-memory one is the zero-setup default of the local server.

pub mod codes;
pub mod dynamodb;
pub mod failures;
#[cfg(any(test, feature = "test-support"))]
pub mod memory;
pub mod rotation;
mod seen;
pub mod sign_ins;

use async_trait::async_trait;

use crate::ids::{ClientId, CredentialId, DeviceName, Scope, UserId};
use crate::jwt::Profile;
use crate::refresh_token::{RefreshToken, TokenHash};
pub use codes::{CodeBinding, CodeGrant, CodeRecord, Codes};
pub use failures::{FailureCount, FailureKey, SignInFailures};
pub use rotation::RefreshAttempt;
pub use seen::Seen;
pub use sign_ins::{SignInRecord, SignIns};

/// A failure to reach or read the store. It never holds token values or hashes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached or refused the call (network, throttling, timeouts).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A stored item does not have the expected shape.
    #[error("stored item is malformed: {0}")]
    Corrupt(&'static str),
}

/// One refresh-token credential: what app, user and device it is for, and the
/// hash of the only token that currently opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    /// The user (partition key).
    pub user_id: UserId,
    /// The app the token was issued to.
    pub client_id: ClientId,
    /// The device the token was issued for.
    pub device: DeviceName,
    /// Stable id used to list and delete.
    pub credential_id: CredentialId,
    /// SHA-256 of the current token's secret.
    pub token_hash: TokenHash,
    /// SHA-256 of the token the current one replaced, after a rotation.
    pub prev_hash: Option<TokenHash>,
    /// When the current token replaced `prev_hash` (seconds since the epoch).
    pub rotated_at: Option<u64>,
    /// The scope granted at authorization.
    pub scope: Scope,
    /// When the credential was issued (seconds since the epoch).
    pub created_at: u64,
    /// When the token was last used (seconds since the epoch).
    pub last_used_at: u64,
    /// When DynamoDB may delete the record (its TTL attribute).
    pub expires_at: u64,
    /// Profile claims captured at sign-in, so a refresh needs no second read.
    pub profile: Profile,
    /// The RFC 7638 thumbprint of the key the session is bound to (RFC 9449),
    /// set when the session starts from a DPoP-proved request; every refresh
    /// then needs a proof by that key.
    pub dpop_jkt: Option<String>,
    /// Where the user signed in from (the device details).
    pub first_seen: Seen,
    /// Where the session was last used from: its last refresh, or the code
    /// exchange that started it.
    pub last_seen: Seen,
}

impl RefreshTokenRecord {
    /// The record as a session reference.
    pub fn session(&self) -> SessionRef<'_> {
        SessionRef {
            user_id: &self.user_id,
            client_id: &self.client_id,
            device: &self.device,
            credential_id: &self.credential_id,
        }
    }
}

/// Names one session (app, user and device) and the credential id it must
/// still have for an operation to touch it.
#[derive(Debug, Clone, Copy)]
pub struct SessionRef<'a> {
    /// The user.
    pub user_id: &'a UserId,
    /// The app.
    pub client_id: &'a ClientId,
    /// The device.
    pub device: &'a DeviceName,
    /// The credential id.
    pub credential_id: &'a CredentialId,
}

/// The sort key of a refresh-token record: `rt#<client_id>#<device>`.
/// Client ids can't hold `#`, so the key is unambiguous.
pub fn device_sort_key(client_id: &ClientId, device: &DeviceName) -> String {
    format!("{DEVICE_KEY_PREFIX}{client_id}#{device}")
}

/// The prefix every refresh-token sort key starts with.
pub const DEVICE_KEY_PREFIX: &str = "rt#";

/// A user of the built-in directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The user id (`sub`).
    pub user_id: UserId,
    /// The login name (an email address), stored lower-cased.
    pub username: String,
    /// The argon2id hash in PHC string form.
    pub password_hash: PasswordHash,
    /// Profile claims.
    pub profile: Profile,
    /// Whether the user may use the admin console (`add-user --admin`; the
    /// API can't grant it).
    pub admin: bool,
}

/// A user as the account pages see it, by user id: no password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The login name.
    pub username: String,
    /// Profile claims.
    pub profile: Profile,
    /// Whether the user is an admin.
    pub admin: bool,
}

/// An argon2id PHC string. Its `Debug` is redacted; `==` is constant-time;
/// the value is read only through `expose_secret`.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string.
    pub fn new(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, to verify against or to store.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl PartialEq for PasswordHash {
    fn eq(&self, other: &Self) -> bool {
        crate::secret::constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for PasswordHash {}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

/// The login name as stored and looked up: trimmed and lower-cased.
pub fn normalize_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// The user directory: users by login name.
#[async_trait]
pub trait Users: Send + Sync {
    /// Finds a user by login name (normalized by the store).
    async fn find_user(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Creates a user unless the login name is taken; `false` when it is.
    /// Writing the same record again (the same new user id) is `true`, so the
    /// SDK's retry of a write whose answer came late is not a conflict.
    async fn create_user(&self, user: &UserRecord) -> Result<bool, StoreError>;
    /// A user by user id (the account pages); `None` for no such user.
    async fn find_account(&self, user_id: &UserId) -> Result<Option<Account>, StoreError>;
    /// A user's profile claims, by user id (UserInfo); `None` for no such user.
    async fn find_profile(&self, user_id: &UserId) -> Result<Option<Profile>, StoreError> {
        Ok(self.find_account(user_id).await?.map(|a| a.profile))
    }
}

/// Refresh-token sessions, one per app, user and device: started at sign-in,
/// refreshed by one conditional write, ended by revocation, reuse or the cap.
#[async_trait]
pub trait Sessions: Send + Sync {
    /// Writes the record, replacing any earlier record of the same user and
    /// device key, so the earlier token stops working.
    async fn put_refresh_token(&self, record: &RefreshTokenRecord) -> Result<(), StoreError>;
    /// The user's sessions with one client (to enforce the session cap).
    async fn client_sessions(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
    ) -> Result<Vec<RefreshTokenRecord>, StoreError>;
    /// The refresh, in one conditional write (`rotation::condition_holds`,
    /// then `rotation::apply`). Returns the updated record, or `None` when the
    /// condition fails or there is no record.
    async fn refresh(
        &self,
        attempt: &RefreshAttempt<'_>,
    ) -> Result<Option<RefreshTokenRecord>, StoreError>;
    /// The record the token locates, by a strongly consistent read (only after
    /// a refused refresh, to tell reuse from expiry).
    async fn find_session(
        &self,
        token: &RefreshToken,
    ) -> Result<Option<RefreshTokenRecord>, StoreError>;
    /// Deletes the record if it still has this credential id (revocation,
    /// reuse, cap eviction).
    async fn end_session(&self, session: SessionRef<'_>) -> Result<bool, StoreError>;
}

/// A user's credentials, as the management API lists and revokes them.
#[async_trait]
pub trait Credentials: Send + Sync {
    /// All refresh-token records of a user, by strongly consistent reads;
    /// `None` when the user does not exist.
    async fn list_credentials(
        &self,
        user_id: &UserId,
    ) -> Result<Option<Vec<RefreshTokenRecord>>, StoreError>;
    /// Deletes the user's record with this credential id; `true` when the
    /// user had it. When the delete's condition fails after the record was
    /// found (it was deleted or replaced meanwhile, or the SDK retried a
    /// delete whose first answer came late), the credential is gone all the
    /// same, so this is `true` too.
    async fn revoke_credential(
        &self,
        user_id: &UserId,
        id: &CredentialId,
    ) -> Result<bool, StoreError>;
    /// The record with this credential id, whoever's it is.
    async fn find_credential(
        &self,
        id: &CredentialId,
    ) -> Result<Option<RefreshTokenRecord>, StoreError>;
    /// Deletes all of a user's refresh-token records and ends all their
    /// sign-ins ("sign out everywhere"); returns how many records it deleted.
    async fn revoke_all(&self, user_id: &UserId) -> Result<usize, StoreError>;
}

/// Access tokens revoked before they expire (RFC 7009 §2.1), by `jti`; each
/// entry lives until its token would have expired anyway (a TTL).
#[async_trait]
pub trait RevokedAccessTokens: Send + Sync {
    /// Records the token's `jti` as revoked until `expires_at`.
    async fn revoke_access_token(&self, jti: &str, expires_at: u64) -> Result<(), StoreError>;
    /// Whether the token with this `jti` was revoked (and has not expired by `now`).
    async fn is_access_token_revoked(&self, jti: &str, now: u64) -> Result<bool, StoreError>;
}

/// Everything a store offers; both implementations pass the same contract tests.
pub trait Store:
    Users + Sessions + Credentials + Codes + RevokedAccessTokens + SignIns + SignInFailures
{
}

impl<T> Store for T where
    T: Users + Sessions + Credentials + Codes + RevokedAccessTokens + SignIns + SignInFailures
{
}
