//! The security events that need action go to an Amazon EventBridge bus (the
//! devices issue, item 7): moto's server stands in for EventBridge over
//! HTTP, a rule on the bus copies its events to an SQS queue, and boto3, an
//! independent client, reads them back. Events that need no action stay in
//! the log only; no event carries a token.

use serde_json::Value;
use shared::moto::Moto;

use crate::handlers::harness::Harness;

/// The bus, a queue and a rule from the bus to the queue; prints the queue's URL.
const SETUP: &str = r#"
import json, sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
          aws_access_key_id="local", aws_secret_access_key="local")
events, sqs = boto3.client("events", **kw), boto3.client("sqs", **kw)
events.create_event_bus(Name="security")
queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
events.put_rule(Name="all", EventBusName="security",
                EventPattern=json.dumps({"source": ["offline-access"]}))
events.put_targets(Rule="all", EventBusName="security", Targets=[{"Id": "alerts", "Arn": arn}])
print(queue)
"#;

/// Every message on the queue (its URL on standard input), as a JSON list.
const READ: &str = r#"
import json, sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
          aws_access_key_id="local", aws_secret_access_key="local")
sqs, queue, bodies = boto3.client("sqs", **kw), sys.stdin.read().strip(), []
while True:
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    if not got.get("Messages"):
        break
    bodies += [json.loads(m["Body"]) for m in got["Messages"]]
print(json.dumps(bodies))
"#;

#[tokio::test]
async fn reuse_and_a_block_reach_the_bus_and_routine_events_do_not() {
    let moto = Moto::start();
    let queue = moto.boto3(SETUP, "");
    let harness = Harness::with_vars(&[
        ("EVENT_BUS_NAME", "security"),
        ("EVENTBRIDGE_ENDPOINT_URL", &moto.url),
        ("AWS_REGION", "us-east-1"),
    ])
    .await;

    // Routine: a sign-in and two refreshes. Then the first token again,
    // two generations back: reuse, which ends the session.
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    let first = tokens["refresh_token"].clone();
    let second = harness.refresh(&first, &[]).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(harness.refresh(&second, &[]).await.status, 200);
    assert_eq!(harness.refresh(&first, &[]).await.status, 400);
    // Ten wrong passwords for Bob from one address: the tenth starts a block.
    let query = crate::handlers::harness::form(&[
        ("response_type", "token"),
        ("client_id", "web"),
        ("redirect_uri", crate::handlers::harness::CALLBACK),
        ("scope", "openid"),
    ]);
    for _ in 0..10 {
        let credentials = ("bob@example.com", "not-his-password");
        let gateway = crate::handlers::harness::Gateway::HttpApi;
        let reply = harness
            .sign_in_from(gateway, &query, credentials, Some("198.51.100.7"))
            .await;
        assert_eq!(reply.status, 401, "{}", reply.body);
    }

    let events: Vec<Value> = serde_json::from_str(&moto.boto3(READ, &queue)).unwrap();
    let codes: Vec<&str> = events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["reuse_detected", "sign_in_blocked"], "{events:?}");
    let event = &events[0];
    assert_eq!(event["source"], "offline-access");
    assert_eq!(event["detail"]["user_id"], "usr_ana");
    assert_eq!(event["detail"]["client_id"], "web");
    assert!(event["detail"]["credential_id"]
        .as_str()
        .unwrap()
        .starts_with("dcr_"));
    let text = event.to_string();
    for secret in [&first, &second, &tokens["access_token"]] {
        let secret_part = secret.rsplit('.').next().unwrap();
        assert!(!text.contains(secret_part), "a token reached the bus");
    }
    let block = &events[1]["detail"];
    assert_eq!(block["user_id"], "usr_bob");
    assert_eq!(block["address"], "198.51.100.7");
    assert!(!events[1].to_string().contains("not-his-password"));
}
