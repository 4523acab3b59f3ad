//! Where a request came from, as a session keeps it for its device details:
//! the peer address (API Gateway's request context or the socket, never a
//! client-set header) and the `User-Agent`.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The longest `User-Agent` kept, in characters.
pub const MAX_USER_AGENT: usize = 256;

/// A request's address and `User-Agent`, either of which may be unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// The peer's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The `User-Agent`, without control characters, cut to [`MAX_USER_AGENT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

impl Seen {
    /// What the edge saw.
    pub fn new(ip: Option<std::net::IpAddr>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent
            .map(|ua| {
                ua.chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_USER_AGENT)
                    .collect::<String>()
            })
            .filter(|ua| !ua.trim().is_empty());
        Self {
            ip: ip.map(|ip| ip.to_string()),
            user_agent,
        }
    }

    /// As a DynamoDB map attribute (`ip`, `ua`; absent parts left out).
    pub fn to_attribute(&self) -> AttributeValue {
        let parts = [("ip", &self.ip), ("ua", &self.user_agent)]
            .into_iter()
            .filter_map(|(name, value)| {
                value
                    .as_ref()
                    .map(|v| (name.to_owned(), AttributeValue::S(v.clone())))
            });
        AttributeValue::M(parts.collect::<HashMap<_, _>>())
    }

    /// From a DynamoDB map attribute; anything else reads as unknown.
    pub fn from_attribute(value: Option<&AttributeValue>) -> Self {
        let map = value.and_then(|v| v.as_m().ok());
        let part = |name: &str| {
            map.and_then(|m| m.get(name))
                .and_then(|v| v.as_s().ok())
                .cloned()
        };
        Self {
            ip: part("ip"),
            user_agent: part("ua"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_agent_is_cleaned_and_cut_and_the_attribute_round_trips() {
        let long = format!("Agent\u{7}/{}", "x".repeat(400));
        let seen = Seen::new("203.0.113.9".parse().ok(), Some(&long));
        let ua = seen.user_agent.clone().unwrap();
        assert_eq!(ua.chars().count(), MAX_USER_AGENT);
        assert!(ua.starts_with("Agent/"));
        assert_eq!(Seen::from_attribute(Some(&seen.to_attribute())), seen);
        assert_eq!(Seen::new(None, Some("  ")), Seen::default());
        assert_eq!(
            Seen::from_attribute(Some(&Seen::default().to_attribute())),
            Seen::default()
        );
    }
}
