//! Revoked access tokens in the table: `pk = jti#<jti>`, `sk = jti`, with
//! `expires_at` (the token's own expiry) as the TTL, so the list never
//! outgrows the tokens it holds back.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::items::Item;
use super::DynamoStore;
use crate::store::{RevokedAccessTokens, StoreError};

const JTI_SK: &str = "jti";

fn jti_key(jti: &str) -> [(String, AttributeValue); 2] {
    DynamoStore::key(format!("jti#{jti}"), JTI_SK.to_owned())
}

#[async_trait]
impl RevokedAccessTokens for DynamoStore {
    async fn revoke_access_token(&self, jti: &str, expires_at: u64) -> Result<(), StoreError> {
        let mut item = Item::from(jti_key(jti));
        item.insert(
            "kind".into(),
            AttributeValue::S("revoked_access_token".into()),
        );
        item.insert(
            "expires_at".into(),
            AttributeValue::N(expires_at.to_string()),
        );
        self.put(item).await
    }

    async fn is_access_token_revoked(&self, jti: &str, now: u64) -> Result<bool, StoreError> {
        let Some(item) = self.get_item(jti_key(jti)).await? else {
            return Ok(false);
        };
        // TTL deletes lag; an entry past its token's expiry no longer counts.
        let expires_at = item
            .get("expires_at")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or(StoreError::Corrupt("expires_at"))?;
        Ok(expires_at >= now)
    }
}
