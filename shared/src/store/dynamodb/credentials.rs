//! Listing and revoking a user's refresh-token records.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{self, record_from_item, Item};
use super::sign_ins::SIGN_IN_PREFIX;
use super::{unavailable, DynamoStore};
use crate::ids::{CredentialId, UserId};
use crate::store::{
    device_sort_key, Credentials, RefreshTokenRecord, StoreError, DEVICE_KEY_PREFIX,
};

/// The index from `credential_id` to the record's keys (KEYS_ONLY, so a
/// refresh, which changes no key, never writes to it).
pub const CREDENTIAL_INDEX: &str = "by_credential_id";

impl DynamoStore {
    /// Every item of a user's partition, by strongly consistent reads.
    async fn partition(&self, user_id: &UserId) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(user_id.to_string()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            found.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(found);
            }
        }
    }

    /// The records of a user's partition whose sort key starts with `prefix`
    /// (strongly consistent), and whether the user's profile exists.
    pub(super) async fn query_records(
        &self,
        user_id: &UserId,
        prefix: &str,
    ) -> Result<(Vec<RefreshTokenRecord>, bool), StoreError> {
        let partition = self.partition(user_id).await?;
        records_in(&partition, prefix)
    }
}

/// The partition's records under `prefix`, and whether it holds the profile.
fn records_in(
    partition: &[Item],
    prefix: &str,
) -> Result<(Vec<RefreshTokenRecord>, bool), StoreError> {
    let mut records = Vec::new();
    let mut known = false;
    for item in partition {
        match sort_key(item) {
            Some(sk) if sk.starts_with(prefix) => records.push(record_from_item(item)?),
            Some(sk) if sk == items::PROFILE_SK => known = true,
            _ => {}
        }
    }
    Ok((records, known))
}

fn sort_key(item: &Item) -> Option<&str> {
    item.get("sk")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

#[async_trait]
impl Credentials for DynamoStore {
    async fn list_credentials(
        &self,
        user_id: &UserId,
    ) -> Result<Option<Vec<RefreshTokenRecord>>, StoreError> {
        let (records, known) = self.query_records(user_id, DEVICE_KEY_PREFIX).await?;
        Ok(known.then_some(records))
    }

    async fn revoke_credential(
        &self,
        user_id: &UserId,
        id: &CredentialId,
    ) -> Result<bool, StoreError> {
        let records = self.list_credentials(user_id).await?.unwrap_or_default();
        let Some(record) = records.iter().find(|r| &r.credential_id == id) else {
            return Ok(false);
        };
        self.delete_credential(
            user_id,
            device_sort_key(&record.client_id, &record.device),
            id,
        )
        .await?;
        Ok(true)
    }

    async fn find_credential(
        &self,
        id: &CredentialId,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CREDENTIAL_INDEX)
            .key_condition_expression("credential_id = :id")
            .expression_attribute_values(":id", AttributeValue::S(id.to_string()))
            .send()
            .await
            .map_err(unavailable)?;
        let Some(keys) = output.items().first() else {
            return Ok(None);
        };
        let (Some(pk), Some(sk)) = (keys.get("pk"), keys.get("sk")) else {
            return Err(StoreError::Corrupt("credential index"));
        };
        let key = [("pk".to_owned(), pk.clone()), ("sk".to_owned(), sk.clone())];
        let record = self.get_item(key).await?;
        let record = record.as_ref().map(record_from_item).transpose()?;
        Ok(record.filter(|r| &r.credential_id == id))
    }

    async fn revoke_all(&self, user_id: &UserId) -> Result<usize, StoreError> {
        // One read of the partition finds the devices and the sign-ins; the
        // deletes go out together, so signing out everywhere costs two round
        // trips, not one per session (the request's time budget).
        let partition = self.partition(user_id).await?;
        let (records, _) = records_in(&partition, DEVICE_KEY_PREFIX)?;
        let sign_ins: Vec<String> = partition
            .iter()
            .filter_map(sort_key)
            .filter(|sk| sk.starts_with(SIGN_IN_PREFIX))
            .map(str::to_owned)
            .collect();
        let deletes = records.iter().map(|record| {
            let sk = device_sort_key(&record.client_id, &record.device);
            self.delete_credential(user_id, sk, &record.credential_id)
        });
        let ends = sign_ins
            .into_iter()
            .map(|sk| self.delete(Self::key(user_id.to_string(), sk)));
        let (outcomes, _) = futures_util::future::try_join(
            futures_util::future::try_join_all(deletes),
            futures_util::future::try_join_all(ends),
        )
        .await?;
        Ok(outcomes.into_iter().filter(|deleted| *deleted).count())
    }
}
