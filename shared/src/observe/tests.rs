//! The metric lines' shape and the events' codes.

use std::sync::Mutex;

use super::*;

#[test]
fn a_metric_line_is_cloudwatch_emf() {
    let line = Metric::count("Refreshes")
        .value("StoreLatency", 4.5, Unit::Milliseconds)
        .dimension("Outcome", "rotated")
        .line(1_700_000_000_000);
    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
    let directive = &value["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(value["_aws"]["Timestamp"], 1_700_000_000_000u64);
    assert_eq!(directive["Namespace"], "OfflineAccess");
    assert_eq!(directive["Dimensions"], json!([["Outcome"]]));
    assert_eq!(
        directive["Metrics"],
        json!([{"Name": "Refreshes", "Unit": "Count"}, {"Name": "StoreLatency", "Unit": "Milliseconds"}])
    );
    assert_eq!(value["Outcome"], "rotated");
    assert_eq!(value["Refreshes"], 1.0);
    assert_eq!(value["StoreLatency"], 4.5);
    assert!(!line.contains('\n'));
}

#[test]
fn codes_are_stable_and_the_ones_that_need_action_are_marked() {
    let all = EventCode::ALL;
    let codes: Vec<&str> = all.iter().map(|c| c.code()).collect();
    assert_eq!(
        codes,
        [
            "sign_in_ok",
            "sign_in_failed",
            "sign_in_blocked",
            "refresh_ok",
            "refresh_failed",
            "reuse_detected",
            "code_reuse",
            "session_revoked_by_user",
            "session_revoked_by_admin",
            "session_revoked_by_logout",
            "admin_action"
        ]
    );
    let urgent: Vec<&str> = all
        .iter()
        .filter(|c| c.needs_action())
        .map(|c| c.code())
        .collect();
    assert_eq!(
        urgent,
        [
            "sign_in_blocked",
            "reuse_detected",
            "code_reuse",
            "session_revoked_by_admin",
            "admin_action"
        ]
    );
}

struct Recorded(Mutex<Vec<String>>);

#[async_trait::async_trait]
impl EventBus for Recorded {
    async fn publish(&self, event: &SecurityEvent<'_>) -> Result<(), String> {
        self.0.lock().unwrap().push(event.code.code().to_owned());
        Ok(())
    }
}

#[tokio::test]
async fn only_the_events_that_need_action_reach_the_bus_and_each_is_counted() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let bus = Arc::new(Recorded(Mutex::new(Vec::new())));
    let observer = Observer::new(Arc::new(move |l: &str| sink.lock().unwrap().push(l.into())))
        .with_bus(bus.clone());
    observer
        .security(SecurityEvent::new(EventCode::RefreshOk, "ok"))
        .await;
    observer
        .security(SecurityEvent::new(EventCode::ReuseDetected, "reuse"))
        .await;
    assert_eq!(*bus.0.lock().unwrap(), ["reuse_detected"]);
    let lines = lines.lock().unwrap();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].contains(r#""Code":"reuse_detected""#),
        "{}",
        lines[1]
    );
}
