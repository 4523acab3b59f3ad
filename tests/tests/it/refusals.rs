//! A refused refresh changes nothing: for each refusal reason on each
//! refresh endpoint, the presented token is still current afterwards.
//! Introspection says it is active, and a refresh after the leeway works
//! (had the refusal rotated it, that refresh would count as reuse and end
//! the session). On the in-memory store and on dynalite.

use std::collections::HashMap;

use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::faults::{router_at, sign_in_request_for, table_with_users};
use crate::handlers::harness::{form, Harness};
use crate::hostile::{send, Raw};

/// The client under test rotates with no leeway, so one second later a
/// rotated-out token is reuse.
const CLIENT: &str = "zero-leeway";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn token_grant(pairs: &[(&str, &str)]) -> Raw {
    Raw::form("/oauth/token", form(pairs))
}

fn delegation(body: Value) -> Raw {
    Raw::post("/delegation", "application/json", body.to_string())
}

/// Each refusal reason: its name, the request for a token, and the answer.
#[allow(clippy::type_complexity)]
fn refusals() -> Vec<(&'static str, Box<dyn Fn(&str) -> Raw>, u16, &'static str)> {
    vec![
        (
            "/oauth/token: a scope wider than granted",
            Box::new(|rt: &str| {
                token_grant(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", CLIENT),
                    ("refresh_token", rt),
                    ("scope", "openid profile email offline_access admin"),
                ])
            }),
            400,
            "invalid_scope",
        ),
        (
            "/oauth/token: a scope the session lacks",
            Box::new(|rt: &str| {
                // The sign-in granted openid and offline_access only.
                token_grant(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", CLIENT),
                    ("refresh_token", rt),
                    ("scope", "openid email"),
                ])
            }),
            400,
            "invalid_scope",
        ),
        (
            "/oauth/token: a malformed scope",
            Box::new(|rt: &str| {
                token_grant(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", CLIENT),
                    ("refresh_token", rt),
                    ("scope", "openid \"x\""),
                ])
            }),
            400,
            "invalid_scope",
        ),
        (
            "/oauth/token: another client's id",
            Box::new(|rt: &str| {
                token_grant(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", "web"),
                    ("refresh_token", rt),
                ])
            }),
            400,
            "invalid_grant",
        ),
        (
            "/oauth/token: a public client sending a secret",
            Box::new(|rt: &str| {
                token_grant(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", CLIENT),
                    ("client_secret", "x"),
                    ("refresh_token", rt),
                ])
            }),
            401,
            "invalid_client",
        ),
        (
            "/oauth/token: a repeated refresh_token",
            Box::new(|rt: &str| {
                token_grant(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", CLIENT),
                    ("refresh_token", rt),
                    ("refresh_token", rt),
                ])
            }),
            400,
            "invalid_request",
        ),
        (
            "/oauth/token: a client that may not refresh",
            Box::new(|rt: &str| {
                token_grant(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", "no-implicit"),
                    ("refresh_token", rt),
                ])
            }),
            400,
            "unauthorized_client",
        ),
        (
            "/delegation: a scope wider than granted",
            Box::new(|rt: &str| {
                delegation(
                    json!({"client_id": CLIENT, "grant_type": JWT_BEARER, "refresh_token": rt, "scope": "openid email"}),
                )
            }),
            400,
            "invalid_scope",
        ),
        (
            "/delegation: a scope without openid",
            Box::new(|rt: &str| {
                delegation(
                    json!({"client_id": CLIENT, "grant_type": JWT_BEARER, "refresh_token": rt, "scope": "offline_access"}),
                )
            }),
            400,
            "invalid_scope",
        ),
        (
            "/delegation: another client's id",
            Box::new(|rt: &str| {
                delegation(
                    json!({"client_id": "web", "grant_type": JWT_BEARER, "refresh_token": rt}),
                )
            }),
            400,
            "invalid_grant",
        ),
        (
            "/delegation: a target the client may not use",
            Box::new(|rt: &str| {
                delegation(
                    json!({"client_id": CLIENT, "grant_type": JWT_BEARER, "refresh_token": rt, "target": "api-client"}),
                )
            }),
            400,
            "invalid_request",
        ),
        (
            "/delegation: both a refresh token and an id token",
            Box::new(|rt: &str| {
                delegation(
                    json!({"client_id": CLIENT, "grant_type": JWT_BEARER, "refresh_token": rt, "id_token": "x"}),
                )
            }),
            400,
            "invalid_request",
        ),
        (
            "/delegation: an unknown api_type",
            Box::new(|rt: &str| {
                delegation(
                    json!({"client_id": CLIENT, "grant_type": JWT_BEARER, "refresh_token": rt, "api_type": "firebase"}),
                )
            }),
            400,
            "invalid_request",
        ),
    ]
}

async fn refresh_token_of(router: &Router, device: &str) -> String {
    let signed_in = send(router, &sign_in_request_for(router, CLIENT, device).await).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let location = signed_in.header("location").unwrap().to_owned();
    let fragment: HashMap<String, String> =
        url::form_urlencoded::parse(location.split_once('#').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    fragment["refresh_token"].clone()
}

async fn refused_requests_leave_the_token_current(router: Router) {
    let mut tokens = Vec::new();
    for (i, (name, request, status, code)) in refusals().into_iter().enumerate() {
        let token = refresh_token_of(&router, &format!("device {i}")).await;
        let answer = send(&router, &request(&token)).await;
        let body: Value = serde_json::from_str(&answer.body).unwrap_or_default();
        assert_eq!(
            (answer.status, body["error"].as_str()),
            (status, Some(code)),
            "{name}: {}",
            answer.body
        );
        tokens.push((name, token));
    }
    // Past the leeway: a token a refusal had rotated would now be reuse.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let basic = format!("Basic {}", STANDARD.encode("confidential-app:app-secret"));
    for (name, token) in tokens {
        let introspection = send(
            &router,
            &Raw::form("/oauth/introspect", form(&[("token", &token)]))
                .header("authorization", &basic),
        )
        .await;
        let answer: Value = serde_json::from_str(&introspection.body).unwrap();
        assert_eq!(answer["active"], true, "{name}: {answer}");
        let refreshed = send(
            &router,
            &token_grant(&[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT),
                ("refresh_token", &token),
            ]),
        )
        .await;
        assert_eq!(refreshed.status, 200, "{name}: {}", refreshed.body);
    }
}

#[tokio::test]
async fn a_refused_refresh_leaves_the_token_current_in_memory() {
    let harness = Harness::new().await;
    let router = local_api::router(harness.services.clone(), harness.store.clone() as _);
    refused_requests_leave_the_token_current(router).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_leaves_the_token_current_on_dynalite() {
    let harness = Harness::new().await;
    let table = table_with_users(&harness).await;
    let endpoint = table.endpoint_url.as_deref().unwrap();
    let (router, _) = router_at(&harness, endpoint, &table.table_name).await;
    refused_requests_leave_the_token_current(router).await;
}
