//! `POST /oauth/token` with the client credentials grant (RFC 6749 §4.4).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::delegation::claims;
use super::harness::{form, send, Call, Gateway, Harness, BOTH};

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

#[tokio::test]
async fn client_credentials_mint_an_admin_token_with_basic_or_post_authentication() {
    let harness = Harness::new().await;
    for gateway in BOTH {
        let call = Call::post(
            "/oauth/token",
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials",
        )
        .header("authorization", &basic("admin", "admin-secret"));
        let reply = send(&harness.delegation(), gateway, &call).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.json()["scope"],
            "delete:device_credentials read:device_credentials"
        );
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        let access = claims(reply.json()["access_token"].as_str().unwrap());
        assert_eq!(access["client_id"], "admin");
    }
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "reader"),
        ("client_secret", "reader-secret"),
    ]);
    let reply = send(
        &harness.delegation(),
        Gateway::HttpApi,
        &Call::post("/oauth/token", "application/x-www-form-urlencoded", &body),
    )
    .await;
    assert_eq!(reply.json()["scope"], "read:device_credentials");
}

#[tokio::test]
async fn client_credentials_errors_follow_rfc_6749_section_5_2() {
    let harness = Harness::new().await;
    let cases: Vec<(String, Option<String>, u16, &str)> = vec![
        (
            "grant_type=client_credentials".into(),
            Some(basic("admin", "wrong")),
            401,
            "invalid_client",
        ),
        (
            "grant_type=client_credentials".into(),
            Some(basic("ghost", "x")),
            401,
            "invalid_client",
        ),
        (
            "grant_type=client_credentials&client_id=web".into(),
            None,
            400,
            "unauthorized_client",
        ),
        (
            "grant_type=client_credentials&scope=openid".into(),
            Some(basic("reader", "reader-secret")),
            400,
            "invalid_scope",
        ),
        (
            "grant_type=password".into(),
            Some(basic("admin", "admin-secret")),
            400,
            "unsupported_grant_type",
        ),
        (
            "scope=openid".into(),
            Some(basic("admin", "admin-secret")),
            400,
            "invalid_request",
        ),
        (
            "grant_type=client_credentials&client_secret=admin-secret".into(),
            Some(basic("admin", "admin-secret")),
            400,
            "invalid_request",
        ),
        (
            "grant_type=client_credentials".into(),
            None,
            401,
            "invalid_client",
        ),
        (
            "grant_type=refresh_token&refresh_token=x".into(),
            Some("Bearer abc".into()),
            401,
            "invalid_client",
        ),
    ];
    for (body, auth, status, code) in cases {
        let mut call = Call::post("/oauth/token", "application/x-www-form-urlencoded", &body);
        if let Some(auth) = &auth {
            call = call.header("authorization", auth);
        }
        let reply = send(&harness.delegation(), Gateway::HttpApi, &call).await;
        assert_eq!(
            (reply.status, reply.json()["error"].as_str().unwrap()),
            (status, code),
            "{body}"
        );
        if status == 401 {
            assert!(reply.header("www-authenticate").is_some());
        }
    }
}

#[tokio::test]
async fn the_token_endpoint_answers_a_preflight_only_for_registered_origins() {
    let harness = Harness::new().await;
    let preflight = |origin: &str| {
        Call {
            method: "OPTIONS",
            path: "/oauth/token".into(),
            ..Call::default()
        }
        .header("origin", origin)
        .header("access-control-request-method", "POST")
    };
    let reply = send(
        &harness.delegation(),
        Gateway::HttpApi,
        &preflight(super::harness::ORIGIN),
    )
    .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(super::harness::ORIGIN)
    );
    let reply = send(
        &harness.delegation(),
        Gateway::HttpApi,
        &preflight("https://evil.example"),
    )
    .await;
    assert!(reply.header("access-control-allow-origin").is_none());
}
