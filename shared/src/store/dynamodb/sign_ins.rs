//! Sign-ins in the table: in the user's partition, `sk = signin#<hex hash of
//! the cookie's secret>`, with `auth_time` and `expires_at` (TTL).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::items::Item;
use super::DynamoStore;
use crate::ids::UserId;
use crate::refresh_token::TokenHash;
use crate::store::{SignInRecord, SignIns, StoreError};

/// The sort-key prefix of every sign-in.
pub const SIGN_IN_PREFIX: &str = "signin#";

fn sign_in_key(user_id: &UserId, hash: &TokenHash) -> [(String, AttributeValue); 2] {
    let hex: String = hash.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    DynamoStore::key(user_id.to_string(), format!("{SIGN_IN_PREFIX}{hex}"))
}

fn number(item: &Item, name: &'static str) -> Result<u64, StoreError> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or(StoreError::Corrupt(name))
}

#[async_trait]
impl SignIns for DynamoStore {
    async fn put_sign_in(&self, record: &SignInRecord) -> Result<(), StoreError> {
        let mut item = Item::from(sign_in_key(&record.user_id, &record.secret_hash));
        item.insert("kind".into(), AttributeValue::S("sign_in".into()));
        item.insert(
            "auth_time".into(),
            AttributeValue::N(record.auth_time.to_string()),
        );
        item.insert(
            "expires_at".into(),
            AttributeValue::N(record.expires_at.to_string()),
        );
        self.put(item).await
    }

    async fn find_sign_in(
        &self,
        user_id: &UserId,
        secret_hash: &TokenHash,
        now: u64,
    ) -> Result<Option<SignInRecord>, StoreError> {
        let Some(item) = self.get_item(sign_in_key(user_id, secret_hash)).await? else {
            return Ok(None);
        };
        let record = SignInRecord {
            user_id: user_id.clone(),
            secret_hash: secret_hash.clone(),
            auth_time: number(&item, "auth_time")?,
            expires_at: number(&item, "expires_at")?,
        };
        // TTL deletes lag; an ended sign-in no longer counts.
        Ok(Some(record).filter(|r| r.expires_at >= now))
    }

    async fn end_sign_in(
        &self,
        user_id: &UserId,
        secret_hash: &TokenHash,
    ) -> Result<(), StoreError> {
        self.delete(sign_in_key(user_id, secret_hash)).await
    }
}
