//! The DynamoDB store. One table: partition key `pk` (the user id), sort key
//! `sk` (`rt#<client_id>#<device>`). Users of the built-in directory live in
//! the same table under `pk = username#<login>`, `sk = login`.
//! See `docs/design/table-layout.md`. Item conversion stays in this module.

mod codes;
mod credentials;
mod failures;
mod items;
mod refresh;
mod revoked;
mod setup;
mod sign_ins;
mod users;

pub use setup::{
    ATTEMPT_TIMEOUT, CALL_TIMEOUT, CONNECT_TIMEOUT, MAX_ATTEMPTS, MAX_CALLS_PER_REQUEST,
};

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use super::{device_sort_key, StoreError};
use crate::ids::{CredentialId, UserId};
use crate::refresh_token::RefreshToken;

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

    /// Deletes an item, if there is one.
    async fn delete(&self, key: [(String, AttributeValue); 2]) -> Result<(), StoreError> {
        let [pk, sk] = key;
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(pk.0, pk.1)
            .key(sk.0, sk.1)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Deletes an item if `condition` (with its one value `:v`) holds; `false` otherwise.
    async fn delete_if(
        &self,
        key: [(String, AttributeValue); 2],
        condition: &str,
        value: AttributeValue,
    ) -> Result<bool, StoreError> {
        let [pk, sk] = key;
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(pk.0, pk.1)
            .key(sk.0, sk.1)
            .condition_expression(condition)
            .expression_attribute_values(":v", value)
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }

    /// Deletes a refresh-token record if it still has this credential id.
    async fn delete_credential(
        &self,
        user_id: &UserId,
        record_sk: String,
        id: &CredentialId,
    ) -> Result<bool, StoreError> {
        let key = Self::key(user_id.to_string(), record_sk);
        let id = AttributeValue::S(id.to_string());
        self.delete_if(key, "credential_id = :v", id).await
    }
}
