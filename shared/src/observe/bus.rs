//! The events that need action, on an Amazon EventBridge bus
//! (`EVENT_BUS_NAME`): source `offline-access`, detail type the event's code.

use async_trait::async_trait;
use aws_sdk_eventbridge::config::BehaviorVersion;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;

use super::SecurityEvent;

/// The events' `source` on the bus.
pub const SOURCE: &str = "offline-access";

/// Where the events that need action go.
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Publishes one event; the error says why not, and holds no secret.
    async fn publish(&self, event: &SecurityEvent<'_>) -> Result<(), String>;
}

/// An EventBridge bus, by name.
pub struct EventBridgeBus {
    client: Client,
    bus_name: String,
}

impl EventBridgeBus {
    /// The bus `EVENT_BUS_NAME` names, through `EVENTBRIDGE_ENDPOINT_URL`
    /// when set (a local endpoint in tests); `None` when no bus is named.
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Option<Self> {
        let bus_name = lookup("EVENT_BUS_NAME")?;
        let (credentials, region) = crate::aws::credentials_and_region(lookup);
        let mut config = aws_sdk_eventbridge::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(region)
            .credentials_provider(credentials);
        if let Some(endpoint) = lookup("EVENTBRIDGE_ENDPOINT_URL") {
            config = config.endpoint_url(endpoint);
        }
        Some(Self {
            client: Client::from_conf(config.build()),
            bus_name,
        })
    }
}

#[async_trait]
impl EventBus for EventBridgeBus {
    async fn publish(&self, event: &SecurityEvent<'_>) -> Result<(), String> {
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus_name)
            .source(SOURCE)
            .detail_type(event.code.code())
            .detail(event.detail_json().to_string())
            .build();
        let output = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|err| {
                use aws_sdk_eventbridge::error::ProvideErrorMetadata;
                err.code().unwrap_or("unreachable").to_owned()
            })?;
        match output.failed_entry_count() {
            0 => Ok(()),
            _ => Err(output
                .entries()
                .iter()
                .find_map(|e| e.error_code().map(str::to_owned))
                .unwrap_or_else(|| "the entry was refused".into())),
        }
    }
}
