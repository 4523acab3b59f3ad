//! The in-memory store: the zero-setup default of the local server. It keeps
//! the same semantics as the DynamoDB store and passes the same contract tests.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::{
    device_sort_key, normalize_username, DeviceCredentials, RefreshTokenIssuer, RefreshTokenRecord,
    RefreshTokenRedeemer, StoreError, UserDirectory, UserRecord,
};
use crate::ids::{CredentialId, UserId};
use crate::refresh_token::RefreshToken;

type RecordKey = (UserId, String);

/// A store held in process memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<RecordKey, RefreshTokenRecord>>,
    users: Mutex<HashMap<String, UserRecord>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn tokens(&self) -> Result<MutexGuard<'_, HashMap<RecordKey, RefreshTokenRecord>>, StoreError> {
        self.tokens
            .lock()
            .map_err(|_| StoreError::Unavailable("memory store lock poisoned".into()))
    }
}

fn key_of(token: &RefreshToken) -> RecordKey {
    (
        token.user_id.clone(),
        device_sort_key(&token.client_id, &token.device),
    )
}

#[async_trait]
impl UserDirectory for MemoryStore {
    async fn find_user(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let users = self
            .users
            .lock()
            .map_err(|_| StoreError::Unavailable("lock poisoned".into()))?;
        Ok(users.get(&normalize_username(username)).cloned())
    }

    async fn put_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let mut users = self
            .users
            .lock()
            .map_err(|_| StoreError::Unavailable("lock poisoned".into()))?;
        users.insert(normalize_username(&user.username), user.clone());
        Ok(())
    }
}

#[async_trait]
impl RefreshTokenIssuer for MemoryStore {
    async fn put_refresh_token(&self, record: &RefreshTokenRecord) -> Result<(), StoreError> {
        let key = (
            record.user_id.clone(),
            device_sort_key(&record.client_id, &record.device),
        );
        self.tokens()?.insert(key, record.clone());
        Ok(())
    }
}

#[async_trait]
impl RefreshTokenRedeemer for MemoryStore {
    async fn redeem(
        &self,
        token: &RefreshToken,
        now: u64,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        let mut tokens = self.tokens()?;
        match tokens.get_mut(&key_of(token)) {
            Some(record) if record.token_hash.matches(&token.hash) => {
                record.last_used_at = now;
                Ok(Some(record.clone()))
            }
            _ => Ok(None),
        }
    }
}

#[async_trait]
impl DeviceCredentials for MemoryStore {
    async fn list_credentials(
        &self,
        user_id: &UserId,
    ) -> Result<Vec<RefreshTokenRecord>, StoreError> {
        let tokens = self.tokens()?;
        let mut records: Vec<_> = tokens
            .values()
            .filter(|r| &r.user_id == user_id)
            .cloned()
            .collect();
        records.sort_by(|a, b| {
            device_sort_key(&a.client_id, &a.device).cmp(&device_sort_key(&b.client_id, &b.device))
        });
        Ok(records)
    }

    async fn revoke_token(&self, token: &RefreshToken) -> Result<bool, StoreError> {
        let mut tokens = self.tokens()?;
        let key = key_of(token);
        let matches = tokens
            .get(&key)
            .is_some_and(|r| r.token_hash.matches(&token.hash));
        if matches {
            tokens.remove(&key);
        }
        Ok(matches)
    }

    async fn revoke_credential(
        &self,
        user_id: &UserId,
        id: &CredentialId,
    ) -> Result<bool, StoreError> {
        let mut tokens = self.tokens()?;
        let before = tokens.len();
        tokens.retain(|(user, _), record| !(user == user_id && &record.credential_id == id));
        Ok(tokens.len() < before)
    }
}
