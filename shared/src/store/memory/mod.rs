//! The in-memory store: the zero-setup default of the local server. It keeps
//! the same semantics as the DynamoDB store and passes the same contract tests.

mod failures;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::{
    device_sort_key, normalize_username, rotation, Account, CodeBinding, CodeRecord, Codes,
    Credentials, RefreshAttempt, RefreshTokenRecord, RevokedAccessTokens, SessionRef, Sessions,
    SignInRecord, SignIns, StoreError, UserRecord, Users,
};
use crate::ids::{ClientId, CredentialId, UserId};

use crate::refresh_token::{RefreshToken, TokenHash};

/// A record's key: the user and the sort key.
pub type RecordKey = (UserId, String);

/// A store held in process memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<RecordKey, RefreshTokenRecord>>,
    /// Users by normalized login name.
    users: Mutex<HashMap<String, UserRecord>>,
    /// Authorization codes by hash.
    codes: Mutex<HashMap<[u8; 32], CodeRecord>>,
    /// Revoked access tokens: `jti` and when the token expires.
    revoked: Mutex<HashMap<String, u64>>,
    /// Sign-ins by user and hash of the cookie's secret.
    sign_ins: Mutex<HashMap<(UserId, [u8; 32]), SignInRecord>>,
    /// Failed-sign-in counters.
    failures: Mutex<HashMap<super::FailureKey, super::FailureCount>>,
    /// The last DPoP proof each session's refresh used.
    proofs: Mutex<HashMap<RecordKey, rotation::UsedProof>>,
}

fn lock<T>(mutex: &Mutex<T>) -> Result<MutexGuard<'_, T>, StoreError> {
    mutex
        .lock()
        .map_err(|_| StoreError::Unavailable("memory store lock poisoned".into()))
}

fn key_of(token: &RefreshToken) -> RecordKey {
    (
        token.user_id.clone(),
        device_sort_key(&token.client_id, &token.device),
    )
}

/// Everything a [`MemoryStore`] holds, in a stable order, so a test can
/// prove that a refused request changed nothing. The failed-sign-in counters
/// are left out: counting a wrong password is the point of refusing it (the
/// brute-force tests read them through the trait).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemorySnapshot {
    /// Refresh-token records by user and sort key.
    pub tokens: Vec<(RecordKey, RefreshTokenRecord)>,
    /// Users by normalized login name.
    pub users: Vec<(String, UserRecord)>,
    /// Authorization codes by hash.
    pub codes: Vec<([u8; 32], CodeRecord)>,
    /// Revoked access tokens by `jti`.
    pub revoked: Vec<(String, u64)>,
    /// Sign-ins by user and hash.
    pub sign_ins: Vec<((UserId, [u8; 32]), SignInRecord)>,
}

fn sorted<K: Ord + Clone, V: Clone>(map: &HashMap<K, V>) -> Vec<(K, V)> {
    let mut entries: Vec<(K, V)> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of everything stored, for tests and diagnostics.
    pub fn snapshot(&self) -> Result<MemorySnapshot, StoreError> {
        Ok(MemorySnapshot {
            tokens: sorted(&*lock(&self.tokens)?),
            users: sorted(&*lock(&self.users)?),
            codes: sorted(&*lock(&self.codes)?),
            revoked: sorted(&*lock(&self.revoked)?),
            sign_ins: sorted(&*lock(&self.sign_ins)?),
        })
    }
}

#[async_trait]
impl Users for MemoryStore {
    async fn find_user(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(lock(&self.users)?
            .get(&normalize_username(username))
            .cloned())
    }

    async fn find_account(&self, user_id: &UserId) -> Result<Option<Account>, StoreError> {
        Ok(lock(&self.users)?
            .values()
            .find(|u| &u.user_id == user_id)
            .map(|u| Account {
                username: u.username.clone(),
                profile: u.profile.clone(),
                admin: u.admin,
            }))
    }

    async fn create_user(&self, user: &UserRecord) -> Result<bool, StoreError> {
        let mut users = lock(&self.users)?;
        let login = normalize_username(&user.username);
        if let Some(existing) = users.get(&login) {
            // The same write again (same new user id) is not a conflict.
            return Ok(existing.user_id == user.user_id);
        }
        users.insert(login, user.clone());
        Ok(true)
    }
}

#[async_trait]
impl Sessions for MemoryStore {
    async fn put_refresh_token(&self, record: &RefreshTokenRecord) -> Result<(), StoreError> {
        let key = (
            record.user_id.clone(),
            device_sort_key(&record.client_id, &record.device),
        );
        lock(&self.tokens)?.insert(key, record.clone());
        Ok(())
    }

    async fn client_sessions(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
    ) -> Result<Vec<RefreshTokenRecord>, StoreError> {
        Ok(lock(&self.tokens)?
            .values()
            .filter(|r| &r.user_id == user_id && &r.client_id == client_id)
            .cloned()
            .collect())
    }

    async fn refresh(
        &self,
        attempt: &RefreshAttempt<'_>,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        let mut tokens = lock(&self.tokens)?;
        let mut proofs = lock(&self.proofs)?;
        let key = key_of(attempt.token);
        let used = proofs.get(&key).cloned();
        match tokens.get_mut(&key) {
            Some(record) if rotation::condition_holds(record, used.as_ref(), attempt) => {
                rotation::apply(record, attempt);
                if let Some(proof) = &attempt.proof {
                    let used = rotation::UsedProof {
                        jti: proof.jti.clone(),
                        request_id: proof.request_id.clone(),
                    };
                    proofs.insert(key, used);
                }
                Ok(Some(record.clone()))
            }
            _ => Ok(None),
        }
    }

    async fn find_session(
        &self,
        token: &RefreshToken,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        Ok(lock(&self.tokens)?.get(&key_of(token)).cloned())
    }

    async fn end_session(&self, session: SessionRef<'_>) -> Result<bool, StoreError> {
        let mut tokens = lock(&self.tokens)?;
        let key = (
            session.user_id.clone(),
            device_sort_key(session.client_id, session.device),
        );
        let matches = tokens
            .get(&key)
            .is_some_and(|r| &r.credential_id == session.credential_id);
        if matches {
            tokens.remove(&key);
        }
        Ok(matches)
    }
}

#[async_trait]
impl Credentials for MemoryStore {
    async fn list_credentials(
        &self,
        user_id: &UserId,
    ) -> Result<Option<Vec<RefreshTokenRecord>>, StoreError> {
        if !lock(&self.users)?.values().any(|u| &u.user_id == user_id) {
            return Ok(None);
        }
        let mut records: Vec<_> = lock(&self.tokens)?
            .iter()
            .filter(|((user, _), _)| user == user_id)
            .map(|(k, r)| (k.1.clone(), r.clone()))
            .collect();
        records.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Some(records.into_iter().map(|(_, r)| r).collect()))
    }

    async fn revoke_credential(
        &self,
        user_id: &UserId,
        id: &CredentialId,
    ) -> Result<bool, StoreError> {
        let mut tokens = lock(&self.tokens)?;
        let before = tokens.len();
        tokens.retain(|(user, _), record| !(user == user_id && &record.credential_id == id));
        Ok(tokens.len() < before)
    }

    async fn find_credential(
        &self,
        id: &CredentialId,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        Ok(lock(&self.tokens)?
            .values()
            .find(|r| &r.credential_id == id)
            .cloned())
    }

    async fn revoke_all(&self, user_id: &UserId) -> Result<usize, StoreError> {
        lock(&self.sign_ins)?.retain(|(user, _), _| user != user_id);
        let mut tokens = lock(&self.tokens)?;
        let before = tokens.len();
        tokens.retain(|(user, _), _| user != user_id);
        Ok(before - tokens.len())
    }
}

#[async_trait]
impl Codes for MemoryStore {
    async fn put_code(&self, code: &CodeRecord) -> Result<(), StoreError> {
        lock(&self.codes)?.insert(*code.code_hash.as_bytes(), code.clone());
        Ok(())
    }

    async fn consume_code(
        &self,
        code_hash: &TokenHash,
        binding: &CodeBinding,
        now: u64,
    ) -> Result<Option<CodeRecord>, StoreError> {
        let mut codes = lock(&self.codes)?;
        match codes.get_mut(code_hash.as_bytes()) {
            Some(code)
                if (code.used_at.is_none()
                    || code.used_by.as_deref() == Some(binding.request_id.as_str()))
                    && code.expires_at >= now
                    && code.grant.is_bound_to(binding) =>
            {
                code.used_at = Some(now);
                code.used_by = Some(binding.request_id.clone());
                Ok(Some(code.clone()))
            }
            _ => Ok(None),
        }
    }

    async fn find_code(&self, code_hash: &TokenHash) -> Result<Option<CodeRecord>, StoreError> {
        Ok(lock(&self.codes)?.get(code_hash.as_bytes()).cloned())
    }
}

#[async_trait]
impl RevokedAccessTokens for MemoryStore {
    async fn revoke_access_token(&self, jti: &str, expires_at: u64) -> Result<(), StoreError> {
        lock(&self.revoked)?.insert(jti.to_owned(), expires_at);
        Ok(())
    }

    async fn is_access_token_revoked(&self, jti: &str, now: u64) -> Result<bool, StoreError> {
        Ok(lock(&self.revoked)?
            .get(jti)
            .is_some_and(|expires_at| *expires_at >= now))
    }
}

#[async_trait]
impl SignIns for MemoryStore {
    async fn put_sign_in(&self, record: &SignInRecord) -> Result<(), StoreError> {
        let key = (record.user_id.clone(), *record.secret_hash.as_bytes());
        lock(&self.sign_ins)?.insert(key, record.clone());
        Ok(())
    }

    async fn find_sign_in(
        &self,
        user_id: &UserId,
        secret_hash: &TokenHash,
        now: u64,
    ) -> Result<Option<SignInRecord>, StoreError> {
        let key = (user_id.clone(), *secret_hash.as_bytes());
        Ok(lock(&self.sign_ins)?
            .get(&key)
            .filter(|r| r.expires_at >= now)
            .cloned())
    }

    async fn end_sign_in(
        &self,
        user_id: &UserId,
        secret_hash: &TokenHash,
    ) -> Result<(), StoreError> {
        lock(&self.sign_ins)?.remove(&(user_id.clone(), *secret_hash.as_bytes()));
        Ok(())
    }
}
