//! Failed-sign-in counters in the table: `pk = failures#<login digest>`,
//! `sk = account` or `addr#<address>`, with `failures` (an atomic `ADD`),
//! `window_ends` and `expires_at` (the TTL, the same instant).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::items::Item;
use super::{conditional, DynamoStore};
use crate::store::{FailureCount, FailureKey, SignInFailures, StoreError};

fn key_of(key: &FailureKey) -> [(String, AttributeValue); 2] {
    DynamoStore::key(key.partition_key(), key.sort_key())
}

fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn count_of(item: &Item) -> Result<FailureCount, StoreError> {
    let read = |name: &'static str| {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or(StoreError::Corrupt(name))
    };
    Ok(FailureCount {
        count: read("failures")?,
        window_ends: read("window_ends")?,
    })
}

impl DynamoStore {
    /// `ADD failures 1` to a live counter (or to none: the item is created);
    /// `None` when the counter's window has ended.
    async fn add_to_live(
        &self,
        key: &FailureKey,
        now: u64,
        window: u64,
    ) -> Result<Option<FailureCount>, StoreError> {
        let [pk, sk] = key_of(key);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(pk.0, pk.1)
            .key(sk.0, sk.1)
            .update_expression(
                "ADD failures :one SET window_ends = if_not_exists(window_ends, :ends), \
                 expires_at = if_not_exists(expires_at, :ends), kind = :kind",
            )
            .condition_expression("attribute_not_exists(pk) OR window_ends > :now")
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":ends", number(now.saturating_add(window)))
            .expression_attribute_values(":now", number(now))
            .expression_attribute_values(":kind", AttributeValue::S("sign_in_failures".into()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match conditional(result)? {
            Some(output) => count_of(&output.attributes.unwrap_or_default()).map(Some),
            None => Ok(None),
        }
    }

    /// Starts a new window with one failure, replacing an ended counter;
    /// `false` when another request replaced it first.
    async fn restart(&self, key: &FailureKey, now: u64, window: u64) -> Result<bool, StoreError> {
        let ends = number(now.saturating_add(window));
        let mut item = Item::from(key_of(key));
        item.insert("kind".into(), AttributeValue::S("sign_in_failures".into()));
        item.insert("failures".into(), number(1));
        item.insert("window_ends".into(), ends.clone());
        item.insert("expires_at".into(), ends);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("window_ends <= :now")
            .expression_attribute_values(":now", number(now))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }
}

#[async_trait]
impl SignInFailures for DynamoStore {
    async fn failures(
        &self,
        key: &FailureKey,
        now: u64,
    ) -> Result<Option<FailureCount>, StoreError> {
        match self.get_item(key_of(key)).await? {
            Some(item) => Ok(Some(count_of(&item)?).filter(|c| c.window_ends > now)),
            None => Ok(None),
        }
    }

    async fn add_failure(
        &self,
        key: &FailureKey,
        now: u64,
        window: u64,
    ) -> Result<FailureCount, StoreError> {
        // Two rounds at most: a concurrent restart makes the counter live again.
        for _ in 0..2 {
            if let Some(count) = self.add_to_live(key, now, window).await? {
                return Ok(count);
            }
            if self.restart(key, now, window).await? {
                return Ok(FailureCount {
                    count: 1,
                    window_ends: now.saturating_add(window),
                });
            }
        }
        Err(StoreError::Unavailable(
            "a failed-sign-in counter kept changing under us".into(),
        ))
    }

    async fn clear_failures(&self, key: &FailureKey) -> Result<(), StoreError> {
        self.delete(key_of(key)).await
    }
}
