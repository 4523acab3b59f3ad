//! Races on dynalite, through the local server over HTTP: concurrent
//! refreshes without rotation, concurrent authorizations of one device, and
//! revokes racing refreshes. (Concurrent refreshes with rotation: `rotation.rs`.)

use std::collections::HashMap;

use serde_json::Value;
use shared::ids::UserId;
use shared::refresh_token;
use shared::secret::RefreshTokenValue;
use shared::store::RefreshTokenRecord;

use crate::helpers::{refresh_keys, spawn_app, TestApp};

async fn refresh(app: &TestApp, client_id: &str, token: &str) -> (u16, Value) {
    app.refresh_grant(client_id, token).await
}

async fn records(app: &TestApp) -> Vec<RefreshTokenRecord> {
    let user = UserId::parse(local_api::DEMO_USER_ID.into()).unwrap();
    app.store
        .list_credentials(&user)
        .await
        .unwrap()
        .unwrap_or_default()
}

fn opens(record: &RefreshTokenRecord, token: &str) -> bool {
    let parsed = refresh_token::parse(&refresh_keys(), &RefreshTokenValue::new(token)).unwrap();
    record.token_hash.matches(&parsed.hash)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_refreshes_without_rotation_all_succeed_and_keep_the_token() {
    let app = spawn_app().await;
    let token = app.tokens_of("local-classic", "classic-device").await["refresh_token"].clone();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (app, token) = (app.clone(), token.clone());
        tasks.spawn(async move { refresh(&app, "local-classic", &token).await });
    }
    let answers = tasks.join_all().await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert!(body["id_token"].is_string() && body["access_token"].is_string());
        let same = body["refresh_token"].as_str().is_none_or(|t| t == token);
        assert!(same, "without rotation the token never changes");
    }
    let stored = records(&app).await;
    assert_eq!(stored.len(), 1);
    assert!(opens(&stored[0], &token));
    assert!(stored[0].prev_hash.is_none(), "nothing rotated");
    assert_eq!(refresh(&app, "local-classic", &token).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_authorizations_of_one_device_leave_exactly_one_record() {
    let app = spawn_app().await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let app = app.clone();
        tasks.spawn(async move { app.tokens("one-device").await["refresh_token"].clone() });
    }
    let tokens = tasks.join_all().await;
    let stored = records(&app).await;
    assert_eq!(stored.len(), 1, "one record for the app, user and device");
    let winners: Vec<&String> = tokens.iter().filter(|t| opens(&stored[0], t)).collect();
    assert_eq!(winners.len(), 1, "the record is one sign-in's, whole");
    let mut working = 0;
    for token in &tokens {
        let (status, body) = refresh(&app, "local-demo", token).await;
        match status {
            200 => working += 1,
            400 => assert_eq!(body["error"], "invalid_grant"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(working, 1, "only the last sign-in's token works");
}

/// How a round revokes the token.
#[derive(Clone, Copy, Debug)]
enum Revoke {
    /// `DELETE /api/users/{user}/refresh_tokens/{token}` with the user's access token.
    Classic,
    /// RFC 7009 `POST /oauth/revoke`.
    Rfc7009,
}

async fn revoke(app: &TestApp, how: Revoke, tokens: &HashMap<String, String>) -> u16 {
    let token = &tokens["refresh_token"];
    let response = match how {
        Revoke::Classic => {
            let path = format!(
                "/api/users/{}/refresh_tokens/{token}",
                local_api::DEMO_USER_ID
            );
            app.http
                .delete(app.url(&path))
                .bearer_auth(&tokens["access_token"])
                .send()
                .await
        }
        Revoke::Rfc7009 => {
            app.http
                .post(app.url("/oauth/revoke"))
                .form(&[("client_id", "local-demo"), ("token", token)])
                .send()
                .await
        }
    };
    response.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revoke_racing_a_refresh_never_leaves_a_usable_token() {
    let app = spawn_app().await;
    for round in 0..12 {
        let how = if round % 2 == 0 {
            Revoke::Classic
        } else {
            Revoke::Rfc7009
        };
        let tokens = app.tokens(&format!("raced-{round}")).await;
        let first = tokens["refresh_token"].clone();
        let (revoked, (status, body)) = tokio::join!(
            revoke(&app, how, &tokens),
            refresh(&app, "local-demo", &first)
        );
        assert!(matches!(revoked, 200 | 204), "{how:?} answered {revoked}");
        let mut left = vec![first];
        if status == 200 {
            left.push(body["refresh_token"].as_str().unwrap().to_owned());
        }
        for token in left {
            let (status, body) = refresh(&app, "local-demo", &token).await;
            assert_eq!(
                (status, &body["error"]),
                (400, &Value::from("invalid_grant")),
                "round {round} ({how:?})"
            );
        }
        assert!(
            records(&app).await.is_empty(),
            "round {round}: the session is gone"
        );
    }
}
