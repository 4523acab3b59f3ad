//! Authorization codes (RFC 6749 §4.1.2): single-use, short-lived, stored only
//! as a SHA-256 hash, with everything the token endpoint must check.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Seen, StoreError};
use crate::ids::{ClientId, CredentialId, DeviceName, UserId};
use crate::jwt::Profile;
use crate::refresh_token::TokenHash;

/// What a code was issued for; checked at the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGrant {
    /// The client it was issued to.
    pub client_id: ClientId,
    /// The `redirect_uri` of the authorization request.
    pub redirect_uri: String,
    /// The PKCE S256 challenge (RFC 7636 §4.2), if the client sent one.
    pub code_challenge: Option<String>,
    /// The signed-in user.
    pub user_id: UserId,
    /// The granted scope, space-separated.
    pub scope: String,
    /// The device of the refresh token, with `offline_access`.
    pub device: Option<DeviceName>,
    /// The OpenID Connect nonce.
    pub nonce: Option<String>,
    /// The profile captured at sign-in.
    pub profile: Profile,
    /// The id the refresh-token session will get, so a second use of the
    /// code can find and end it (RFC 6749 §4.1.2).
    pub credential_id: CredentialId,
    /// When the user signed in (the id token's `auth_time`).
    #[serde(default)]
    pub auth_time: Option<u64>,
    /// Where the user signed in from, for the session's device details.
    #[serde(default)]
    pub seen: Seen,
}

/// What a token request presents to use a code (RFC 6749 §4.1.3, RFC 7636
/// §4.6): the client, the `redirect_uri`, and the S256 challenge of its
/// verifier (`None` when it sent none). The store uses the code up only if
/// all three match, so a refused exchange leaves the code usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBinding {
    /// The authenticated client.
    pub client_id: ClientId,
    /// The `redirect_uri` sent to the token endpoint.
    pub redirect_uri: String,
    /// `BASE64URL(SHA256(code_verifier))`.
    pub code_challenge: Option<String>,
    /// This request's own id, written with the use: the SDK's retry of the
    /// same write, after an answer that came too late, then recognises its
    /// own earlier use instead of seeing a replay.
    pub request_id: String,
}

impl CodeGrant {
    /// Whether a token request's binding matches this grant.
    pub fn is_bound_to(&self, binding: &CodeBinding) -> bool {
        self.client_id == binding.client_id
            && self.redirect_uri == binding.redirect_uri
            && self.code_challenge == binding.code_challenge
    }
}

/// A stored code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    /// SHA-256 of the code.
    pub code_hash: TokenHash,
    /// What it grants.
    pub grant: CodeGrant,
    /// When it stops working (also the TTL attribute).
    pub expires_at: u64,
    /// When it was used, if it was.
    pub used_at: Option<u64>,
    /// The id of the request that used it.
    pub used_by: Option<String>,
}

/// Storing and using up codes.
#[async_trait]
pub trait Codes: Send + Sync {
    /// Stores a new code.
    async fn put_code(&self, code: &CodeRecord) -> Result<(), StoreError>;
    /// In one conditional write: marks the code used if it exists, is unused
    /// (or was used by this same request: a retried write), has not expired
    /// at `now` and was issued for `binding`; returns it. `None` otherwise,
    /// with nothing changed.
    async fn consume_code(
        &self,
        code_hash: &TokenHash,
        binding: &CodeBinding,
        now: u64,
    ) -> Result<Option<CodeRecord>, StoreError>;
    /// The code, used or not (after a refused use, to detect a replay).
    async fn find_code(&self, code_hash: &TokenHash) -> Result<Option<CodeRecord>, StoreError>;
}
