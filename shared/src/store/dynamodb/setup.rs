//! Building the DynamoDB client once at cold start, with timeouts and retries
//! set on purpose, and creating the table for local runs and tests.

use std::time::Duration;

use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::Client;

use super::{unavailable, DynamoSettings, DynamoStore};
use crate::store::StoreError;

/// The time budget of one DynamoDB call, retries and back-off included. A
/// request makes at most [`MAX_CALLS_PER_REQUEST`] calls one after another,
/// so it gives up within 4 × 2 s = 8 s: inside the functions' 10 s timeout
/// (`template.yaml`), which is inside API Gateway's 30 s limit. A store that
/// is down therefore gets our own `503` with `Retry-After`, never a timeout.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// One attempt's limit. DynamoDB answers in milliseconds in-region.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(800);
/// Opening a connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// Attempts per call (the standard retry mode, with jittered back-off).
pub const MAX_ATTEMPTS: u32 = 3;
/// The most DynamoDB calls any request makes in sequence (a sign-in: find the
/// user, count the sessions, evict the oldest, write the record).
pub const MAX_CALLS_PER_REQUEST: u32 = 4;

impl DynamoStore {
    /// Builds the client once (at cold start), with the timeouts and retries above.
    pub async fn connect(settings: &DynamoSettings) -> Self {
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(CALL_TIMEOUT)
            .build();
        let retries = aws_config::retry::RetryConfig::standard()
            .with_max_attempts(MAX_ATTEMPTS)
            .with_max_backoff(Duration::from_millis(500));
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .timeout_config(timeouts)
            .retry_config(retries);
        if let Some(endpoint) = &settings.endpoint_url {
            loader = loader.endpoint_url(endpoint);
            if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
                loader = loader.credentials_provider(Credentials::for_tests());
            }
            if std::env::var_os("AWS_REGION").is_none()
                && std::env::var_os("AWS_DEFAULT_REGION").is_none()
            {
                loader = loader.region(Region::new("us-east-1"));
            }
        }
        let client = Client::new(&loader.load().await);
        Self {
            client,
            table: settings.table_name.clone(),
        }
    }

    /// Creates the table if it does not exist (local runs and tests).
    pub async fn create_table_if_missing(&self) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
            Projection, ProjectionType, ScalarAttributeType,
        };
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
        };
        let bad = |_| StoreError::Corrupt("table definition");
        let index = GlobalSecondaryIndex::builder()
            .index_name(super::credentials::CREDENTIAL_INDEX)
            .key_schema(key("credential_id", KeyType::Hash).map_err(bad)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::KeysOnly)
                    .build(),
            )
            .build()
            .map_err(bad)?;
        let result = self
            .client
            .create_table()
            .attribute_definitions(attr("credential_id").map_err(bad)?)
            .global_secondary_indexes(index)
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                attr("pk").map_err(|_| StoreError::Corrupt("attribute definition"))?,
            )
            .attribute_definitions(
                attr("sk").map_err(|_| StoreError::Corrupt("attribute definition"))?,
            )
            .key_schema(key("pk", KeyType::Hash).map_err(|_| StoreError::Corrupt("key schema"))?)
            .key_schema(key("sk", KeyType::Range).map_err(|_| StoreError::Corrupt("key schema"))?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) =>
            {
                Ok(())
            }
            Err(err) => Err(unavailable(err)),
        }
    }
}
