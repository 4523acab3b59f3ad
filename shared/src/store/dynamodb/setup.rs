//! Building the DynamoDB client once at cold start, with timeouts and retries
//! set on purpose, and creating the table for local runs and tests.

use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::BehaviorVersion;
use aws_sdk_dynamodb::Client;

#[cfg(feature = "test-support")]
use super::unavailable;
use super::{DynamoSettings, DynamoStore};
#[cfg(feature = "test-support")]
use crate::store::StoreError;

/// The time budget of one DynamoDB call, retries and back-off included. A
/// request makes at most [`MAX_CALLS_PER_REQUEST`] calls one after another,
/// so it gives up within 6 × 2 s = 12 s: inside the functions' 14 s timeout
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
/// user and read the failure counters side by side, clear the address's
/// counter, start the browser's sign-in, count the sessions, evict the
/// oldest, write the record).
pub const MAX_CALLS_PER_REQUEST: u32 = 6;

impl DynamoStore {
    /// Builds the client once (at cold start), with the timeouts and retries
    /// above. The region and credentials come from the environment, as Lambda
    /// sets them (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`); without credentials (dynalite) it signs with
    /// placeholders. `aws-config`'s provider chains (profiles, SSO, STS, IMDS)
    /// are left out: a function never needs them, and they weigh megabytes.
    pub async fn connect(settings: &DynamoSettings) -> Self {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(CALL_TIMEOUT)
            .build();
        let retries = RetryConfig::standard()
            .with_max_attempts(MAX_ATTEMPTS)
            .with_max_backoff(Duration::from_millis(500));
        let (credentials, region) = crate::aws::credentials_and_region(&env);
        let mut config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(region)
            .credentials_provider(credentials)
            .timeout_config(timeouts)
            .retry_config(retries);
        if let Some(endpoint) = &settings.endpoint_url {
            config = config.endpoint_url(endpoint);
        }
        Self {
            client: Client::from_conf(config.build()),
            table: settings.table_name.clone(),
        }
    }

    /// Creates the table if it does not exist (local runs and tests).
    #[cfg(feature = "test-support")]
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
            Ok(_) => {}
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) => {}
            Err(err) => return Err(unavailable(err)),
        }
        self.wait_until_active().await
    }

    /// Polls until the table is `ACTIVE`: a new table takes writes only then.
    /// (The SDK's waiter polls every 20 s at first; a local table is ready in
    /// well under a second.)
    #[cfg(feature = "test-support")]
    async fn wait_until_active(&self) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::TableStatus;
        for _ in 0..200 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(unavailable)?;
            let status = described.table.and_then(|t| t.table_status);
            if status == Some(TableStatus::Active) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(StoreError::Unavailable(format!(
            "table {} did not become ACTIVE within 10 s",
            self.table
        )))
    }
}
