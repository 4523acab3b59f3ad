//! `POST /oauth/token` with the refresh token grant (RFC 6749 §6): rotation,
//! retry leeway, reuse detection, scope narrowing and client authentication.

use serde_json::Value;

use super::delegation::claims;
use super::harness::{form, send, Call, Gateway, Harness, Reply, BOTH};

async fn token(harness: &Harness, gateway: Gateway, fields: &[(&str, &str)]) -> Reply {
    let call = Call::post(
        "/oauth/token",
        "application/x-www-form-urlencoded",
        &form(fields),
    );
    send(&harness.delegation(), gateway, &call).await
}

async fn refresh(harness: &Harness, client: &str, refresh_token: &str) -> Reply {
    let fields = [
        ("grant_type", "refresh_token"),
        ("client_id", client),
        ("refresh_token", refresh_token),
    ];
    token(harness, Gateway::HttpApi, &fields).await
}

/// A form body, as field pairs.
type Fields<'a> = &'a [(&'a str, &'a str)];

fn error(reply: &Reply) -> (u16, String) {
    (
        reply.status,
        reply.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn a_public_client_gets_new_tokens_and_a_rotated_refresh_token() {
    let harness = Harness::new().await;
    let first = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    for gateway in BOTH {
        let fields = [
            ("grant_type", "refresh_token"),
            ("client_id", "web"),
            ("refresh_token", first.as_str()),
        ];
        let reply = token(&harness, gateway, &fields).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        let body = reply.json();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["scope"], "email offline_access openid profile");
        assert_eq!(
            claims(body["access_token"].as_str().unwrap())["sub"],
            "usr_ana"
        );
        let id = claims(body["id_token"].as_str().unwrap());
        assert_eq!(
            (id["sub"].as_str(), id["aud"].as_str()),
            (Some("usr_ana"), Some("web"))
        );
        assert_ne!(body["refresh_token"], Value::String(first.clone()));
    }
    let a = refresh(&harness, "web", &first).await.json()["refresh_token"].clone();
    let b = refresh(&harness, "web", &first).await.json()["refresh_token"].clone();
    assert_eq!(a, b, "retries inside the leeway get the same successor");
    let next = refresh(&harness, "web", a.as_str().unwrap()).await;
    assert_eq!(next.status, 200, "the successor works");
}

#[tokio::test]
async fn a_confidential_client_does_not_rotate_by_default_and_must_authenticate() {
    let harness = Harness::new().await;
    let tokens = harness
        .tokens_of_client("confidential-app", "ana@example.com", "server")
        .await;
    let rt = tokens["refresh_token"].as_str();
    let unauthenticated = refresh(&harness, "confidential-app", rt).await;
    assert_eq!(error(&unauthenticated), (401, "invalid_client".into()));
    assert!(unauthenticated.header("www-authenticate").is_some());
    let fields = [
        ("grant_type", "refresh_token"),
        ("client_id", "confidential-app"),
        ("client_secret", "app-secret"),
        ("refresh_token", rt),
    ];
    for _ in 0..2 {
        let reply = token(&harness, Gateway::Rest, &fields).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(reply.json().get("refresh_token").is_none(), "no rotation");
    }
}

#[tokio::test]
async fn the_scope_can_narrow_but_never_widen() {
    let harness = Harness::new().await;
    let rt = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    let narrow = [
        ("grant_type", "refresh_token"),
        ("client_id", "web"),
        ("refresh_token", rt.as_str()),
        ("scope", "openid"),
    ];
    let reply = token(&harness, Gateway::HttpApi, &narrow).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["scope"], "openid");
    assert!(claims(reply.json()["id_token"].as_str().unwrap())
        .get("email")
        .is_none());
    let wide = [
        ("grant_type", "refresh_token"),
        ("client_id", "web"),
        ("refresh_token", rt.as_str()),
        ("scope", "openid read:device_credentials"),
    ];
    let reply = token(&harness, Gateway::HttpApi, &wide).await;
    assert_eq!(error(&reply), (400, "invalid_scope".into()));
}

#[tokio::test]
async fn foreign_malformed_and_missing_tokens_are_refused_with_rfc_errors() {
    let harness = Harness::new().await;
    let rt = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    let cases: [(Fields, u16, &str); 6] = [
        (
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "zero-leeway"),
                ("refresh_token", &rt),
            ],
            400,
            "invalid_grant",
        ),
        (
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "web"),
                ("refresh_token", "rt1.x.y"),
            ],
            400,
            "invalid_grant",
        ),
        (
            &[("grant_type", "refresh_token"), ("client_id", "web")],
            400,
            "invalid_request",
        ),
        (
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "nobody"),
                ("refresh_token", &rt),
            ],
            401,
            "invalid_client",
        ),
        (
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "api-client"),
                ("refresh_token", &rt),
            ],
            400,
            "unauthorized_client",
        ),
        (
            &[("grant_type", "password"), ("client_id", "web")],
            400,
            "unsupported_grant_type",
        ),
    ];
    for (fields, status, code) in cases {
        let reply = token(&harness, Gateway::HttpApi, fields).await;
        assert_eq!(error(&reply), (status, code.into()), "{fields:?}");
    }
    let reply = refresh(&harness, "web", &rt).await;
    assert_eq!(
        reply.status, 200,
        "refusals elsewhere left the session alone"
    );
}

#[tokio::test]
async fn a_rotated_out_token_used_after_the_leeway_ends_the_session() {
    let harness = Harness::new().await;
    let first = harness
        .tokens_of_client("zero-leeway", "ana@example.com", "phone")
        .await["refresh_token"]
        .clone();
    let reply = refresh(&harness, "zero-leeway", &first).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let second = reply.json()["refresh_token"].as_str().unwrap().to_owned();
    // With no leeway, the predecessor stops working once the clock moves on.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let reuse = refresh(&harness, "zero-leeway", &first).await;
    assert_eq!(error(&reuse), (400, "invalid_grant".into()));
    let after = refresh(&harness, "zero-leeway", &second).await;
    assert_eq!(
        error(&after),
        (400, "invalid_grant".into()),
        "reuse revoked the whole device session"
    );
}

#[tokio::test]
async fn with_rotation_off_delegation_answers_exactly_as_the_classic_api_did() {
    let harness = Harness::new().await;
    let rt = harness
        .tokens_of_client("classic-app", "ana@example.com", "phone")
        .await["refresh_token"]
        .clone();
    let body = serde_json::json!({
        "client_id": "classic-app",
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "refresh_token": rt,
    });
    for _ in 0..3 {
        let call = Call::post("/delegation", "application/json", &body.to_string());
        let reply = send(&harness.delegation(), Gateway::HttpApi, &call).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let keys: Vec<String> = reply.json().as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["expires_in", "id_token", "token_type"]);
    }
}

#[tokio::test]
async fn a_session_unused_for_longer_than_its_idle_lifetime_expires() {
    let harness = Harness::new().await;
    let rt = harness
        .tokens_of_client("short-lived", "ana@example.com", "phone")
        .await["refresh_token"]
        .clone();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let reply = refresh(&harness, "short-lived", &rt).await;
    assert_eq!(error(&reply), (400, "invalid_grant".into()));
    assert_eq!(
        reply.json()["error_description"],
        "The refresh token has expired."
    );
}

#[tokio::test]
async fn reuse_is_logged_as_a_security_event_naming_the_credential_never_the_token() {
    let (captured, _guard) = crate::logs::capture(tracing::Level::INFO);

    let harness = Harness::new().await;
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    let first = tokens["refresh_token"].clone();
    let second = refresh(&harness, "web", &first).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let third = refresh(&harness, "web", &second).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        error(&refresh(&harness, "web", &first).await),
        (400, "invalid_grant".into())
    );

    let log = captured.text();
    let event = log
        .lines()
        .find(|line| line.contains("reuse_detected"))
        .expect("a security event");
    assert!(event.contains("\"target\":\"security\""), "{event}");
    assert!(event.contains("dcr_"), "it names the credential: {event}");
    for secret in [
        &first,
        &second,
        &third,
        &tokens["access_token"],
        &tokens["id_token"],
    ] {
        let secret_part = secret.rsplit('.').next().unwrap();
        assert!(!log.contains(secret_part), "a token leaked into the log");
    }
}
