//! Rotation over HTTP on dynalite: concurrent refreshes of one token leave one
//! token family, and reuse of a rotated-out token ends the session.

use serde_json::Value;
use shared::refresh_token;
use shared::secret::RefreshTokenValue;

use crate::helpers::{refresh_keys, spawn_app, TestApp};

async fn refresh(app: &TestApp, token: &str) -> (u16, Value) {
    app.refresh_grant("local-demo", token).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_refreshes_of_one_token_leave_exactly_one_family() {
    let app = spawn_app().await;
    let first = app.tokens("race-device").await["refresh_token"].clone();
    let answers = race(&app, &first, 32).await;
    let successors: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            body["refresh_token"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(successors.len(), 1, "every racer got the same successor");
    let successor = successors.into_iter().next().unwrap();
    assert_ne!(successor, first);

    // The store holds one record for the device, and it is the successor's.
    let listed = app
        .store
        .list_credentials(&shared::ids::UserId::parse("usr_demo".into()).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(listed.len(), 1);
    let parsed =
        refresh_token::parse(&refresh_keys(), &RefreshTokenValue::new(successor.clone())).unwrap();
    assert!(listed[0].token_hash.matches(&parsed.hash));

    // The family goes on from the successor ...
    let (status, body) = refresh(&app, &successor).await;
    assert_eq!(status, 200, "{body}");
    let third = body["refresh_token"].as_str().unwrap().to_owned();

    // ... and the first token, now two generations old, is reuse: it is
    // refused and the whole session ends, so the newest token dies too.
    let (status, body) = refresh(&app, &first).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, body) = refresh(&app, &third).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let listed = app
        .store
        .list_credentials(&shared::ids::UserId::parse("usr_demo".into()).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(listed.is_empty(), "the reused session is revoked");
}

/// Sends `n` refreshes of `token` at once.
async fn race(app: &TestApp, token: &str, n: usize) -> Vec<(u16, Value)> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let app = TestApp {
            base: app.base.clone(),
            http: app.http.clone(),
            store: app.store.clone(),
        };
        let token = token.to_owned();
        tasks.spawn(async move { refresh(&app, &token).await });
    }
    let mut answers = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.unwrap());
    }
    answers
}
