//! CloudWatch Embedded Metric Format: one JSON line per metric, which the
//! Lambda log pipeline turns into metrics with no API call from us.

use serde_json::{json, Map, Value};

/// The metrics' namespace in CloudWatch.
pub const NAMESPACE: &str = "OfflineAccess";

/// A metric's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A count of events.
    Count,
    /// A duration.
    Milliseconds,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
        }
    }
}

/// One metric line: values with their units, under one set of dimensions.
#[derive(Debug, Clone)]
pub struct Metric<'a> {
    values: Vec<(&'static str, f64, Unit)>,
    dimensions: Vec<(&'static str, &'a str)>,
}

impl<'a> Metric<'a> {
    /// A count of one.
    pub fn count(name: &'static str) -> Self {
        Self {
            values: vec![(name, 1.0, Unit::Count)],
            dimensions: Vec::new(),
        }
    }

    /// Adds a value to the same line.
    pub fn value(mut self, name: &'static str, value: f64, unit: Unit) -> Self {
        self.values.push((name, value, unit));
        self
    }

    /// Adds a dimension (such as `Outcome`).
    pub fn dimension(mut self, name: &'static str, value: &'a str) -> Self {
        self.dimensions.push((name, value));
        self
    }

    /// The EMF line at `timestamp` (milliseconds since the epoch).
    pub fn line(&self, timestamp: u128) -> String {
        let names: Vec<&str> = self.dimensions.iter().map(|(n, _)| *n).collect();
        let metrics: Vec<Value> = self
            .values
            .iter()
            .map(|(name, _, unit)| json!({"Name": name, "Unit": unit.name()}))
            .collect();
        let mut root = Map::new();
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [names],
                    "Metrics": metrics,
                }],
            }),
        );
        for (name, value) in &self.dimensions {
            root.insert((*name).into(), json!(value));
        }
        for (name, value, _) in &self.values {
            root.insert((*name).into(), json!(value));
        }
        Value::Object(root).to_string()
    }
}

/// Now, in milliseconds since the epoch.
pub fn now_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}
