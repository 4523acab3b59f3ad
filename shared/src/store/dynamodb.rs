//! The DynamoDB store. One table: partition key `pk` (the user id), sort key
//! `sk` (`rt#<client_id>#<device>`). Users of the built-in directory live in
//! the same table under `pk = username#<login>`, `sk = user`.
//! See `docs/design/table-layout.md`. Item conversion stays in this module.

mod codes;
mod items;
mod refresh;
mod setup;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use super::{
    device_sort_key, normalize_username, DeviceCredentials, RefreshTokenIssuer, RefreshTokenRecord,
    StoreError, UserDirectory, UserRecord, DEVICE_KEY_PREFIX,
};
use crate::ids::{CredentialId, UserId};
use crate::refresh_token::RefreshToken;
use items::{record_from_item, record_to_item, user_from_item, user_to_item};

/// Where the table is and how to reach it.
#[derive(Debug, Clone)]
pub struct DynamoSettings {
    /// The table name.
    pub table_name: String,
    /// An endpoint override, such as a local dynalite (`http://127.0.0.1:4567`).
    pub endpoint_url: Option<String>,
}

/// The DynamoDB store.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn unavailable<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StoreError::Unavailable(DisplayErrorContext(&err).to_string())
}

/// The outcome of a conditional write: `None` when its condition failed.
fn conditional<T, E, R>(result: Result<T, SdkError<E, R>>) -> Result<Option<T>, StoreError>
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(output) => Ok(Some(output)),
        Err(err)
            if err.as_service_error().and_then(ProvideErrorMetadata::code)
                == Some("ConditionalCheckFailedException") =>
        {
            Ok(None)
        }
        Err(err) => Err(unavailable(err)),
    }
}

impl DynamoStore {
    fn key(pk: String, sk: String) -> [(String, AttributeValue); 2] {
        [
            ("pk".to_owned(), AttributeValue::S(pk)),
            ("sk".to_owned(), AttributeValue::S(sk)),
        ]
    }

    fn token_key(token: &RefreshToken) -> [(String, AttributeValue); 2] {
        Self::key(
            token.user_id.to_string(),
            device_sort_key(&token.client_id, &token.device),
        )
    }

    fn hash_value(token: &RefreshToken) -> AttributeValue {
        items::b(&token.hash)
    }

    /// Writes (or replaces) one item.
    async fn put(&self, item: items::Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// One item by a strongly consistent read.
    async fn get_item(
        &self,
        key: [(String, AttributeValue); 2],
    ) -> Result<Option<items::Item>, StoreError> {
        let [pk, sk] = key;
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(pk.0, pk.1)
            .key(sk.0, sk.1)
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(output.item)
    }

    /// Deletes a refresh-token record if it still has this credential id.
    async fn delete_credential(
        &self,
        user_id: &UserId,
        record_sk: String,
        id: &CredentialId,
    ) -> Result<bool, StoreError> {
        let [pk, sk] = Self::key(user_id.to_string(), record_sk);
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(pk.0, pk.1)
            .key(sk.0, sk.1)
            .condition_expression("credential_id = :id")
            .expression_attribute_values(":id", AttributeValue::S(id.to_string()))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }
}

#[async_trait]
impl UserDirectory for DynamoStore {
    async fn find_user(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let key = Self::key(
            items::login_pk(&normalize_username(username)),
            items::LOGIN_SK.to_owned(),
        );
        let item = self.get_item(key).await?;
        item.as_ref().map(user_from_item).transpose()
    }

    async fn put_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        // The profile first: a login item never points at a missing profile.
        for item in [items::profile_item(user), user_to_item(user)] {
            self.put(item).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl RefreshTokenIssuer for DynamoStore {
    async fn put_refresh_token(&self, record: &RefreshTokenRecord) -> Result<(), StoreError> {
        self.put(record_to_item(record)).await
    }
}

#[async_trait]
impl DeviceCredentials for DynamoStore {
    async fn list_credentials(
        &self,
        user_id: &UserId,
    ) -> Result<Option<Vec<RefreshTokenRecord>>, StoreError> {
        let mut records = Vec::new();
        let mut known = false;
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
            for item in output.items() {
                match item.get("sk").and_then(|v| v.as_s().ok()) {
                    Some(sk) if sk.starts_with(DEVICE_KEY_PREFIX) => {
                        records.push(record_from_item(item)?)
                    }
                    Some(sk) if sk == items::PROFILE_SK => known = true,
                    _ => {}
                }
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(known.then_some(records));
            }
        }
    }

    async fn revoke_token(&self, token: &RefreshToken) -> Result<bool, StoreError> {
        let [pk, sk] = Self::token_key(token);
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(pk.0, pk.1)
            .key(sk.0, sk.1)
            .condition_expression("token_hash = :hash")
            .expression_attribute_values(":hash", Self::hash_value(token))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
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
        .await
    }
}
