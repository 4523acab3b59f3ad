//! `/delegation` and `/oauth/token` through the delegation handler.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::harness::{form, send, Call, Gateway, Harness, Reply, BOTH, ORIGIN};

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub async fn delegate_json(harness: &Harness, gateway: Gateway, body: Value) -> Reply {
    let call = Call::post("/delegation", "application/json", &body.to_string());
    send(&harness.delegation(), gateway, &call).await
}

fn classic(refresh_token: &str) -> Value {
    json!({"client_id": "web", "grant_type": JWT_BEARER, "refresh_token": refresh_token, "api_type": "app"})
}

#[tokio::test]
async fn a_refresh_token_buys_a_new_id_token_with_json_and_with_a_form() {
    let harness = Harness::new().await;
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    let refresh = &tokens["refresh_token"];
    for gateway in BOTH {
        let reply = delegate_json(&harness, gateway, classic(refresh)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = reply.json();
        assert_eq!(body["token_type"], "Bearer");
        let id = claims(body["id_token"].as_str().unwrap());
        assert_eq!(
            body["expires_in"],
            id["exp"].as_u64().unwrap() - id["iat"].as_u64().unwrap()
        );
        assert_eq!(id["sub"], "usr_ana");
        assert_eq!(id["aud"], "web");
        assert_eq!(id["iss"], "https://auth.example.com/");
        assert_eq!(reply.header("cache-control"), Some("no-store"));

        let body = form(&[
            ("grant_type", JWT_BEARER),
            ("client_id", "web"),
            ("refresh_token", refresh),
            ("target", "web"),
            ("api_type", "auth0"),
            ("scope", "passthrough"),
        ]);
        let call = Call::post("/delegation", "application/x-www-form-urlencoded", &body)
            .header("origin", ORIGIN);
        let reply = send(&harness.delegation(), gateway, &call).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
        assert_eq!(
            claims(reply.json()["id_token"].as_str().unwrap())["email"],
            "ana@example.com"
        );
    }
}

#[tokio::test]
async fn a_narrower_scope_releases_fewer_claims_and_a_wider_one_is_refused() {
    let harness = Harness::new().await;
    let refresh = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    let mut body = classic(&refresh);
    body["scope"] = json!("openid");
    let reply = delegate_json(&harness, Gateway::HttpApi, body.clone()).await;
    let id = claims(reply.json()["id_token"].as_str().unwrap());
    assert!(id.get("email").is_none() && id.get("name").is_none());

    body["scope"] = json!("openid read:device_credentials");
    let reply = delegate_json(&harness, Gateway::HttpApi, body).await;
    assert_eq!(
        (reply.status, reply.json()["error"].clone()),
        (400, json!("invalid_scope"))
    );
}

#[tokio::test]
async fn a_still_valid_id_token_can_be_renewed_but_not_one_of_another_client() {
    let harness = Harness::new().await;
    let id_token = harness.tokens_for("ana@example.com", "phone").await["id_token"].clone();
    let body = json!({"client_id": "web", "grant_type": JWT_BEARER, "id_token": id_token});
    let reply = delegate_json(&harness, Gateway::HttpApi, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        claims(reply.json()["id_token"].as_str().unwrap())["sub"],
        "usr_ana"
    );

    let body = json!({"client_id": "api-client", "grant_type": JWT_BEARER, "id_token": id_token});
    let reply = delegate_json(&harness, Gateway::HttpApi, body).await;
    assert_eq!(reply.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn a_target_client_gets_the_token_only_when_allowed() {
    let harness = Harness::new().await;
    let refresh = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    let mut body = classic(&refresh);
    body["target"] = json!("api-client");
    let reply = delegate_json(&harness, Gateway::HttpApi, body.clone()).await;
    assert_eq!(
        claims(reply.json()["id_token"].as_str().unwrap())["aud"],
        "api-client"
    );
    body["target"] = json!("admin");
    let reply = delegate_json(&harness, Gateway::HttpApi, body).await;
    assert_eq!(
        (reply.status, reply.json()["error"].clone()),
        (400, json!("invalid_request"))
    );
}

#[tokio::test]
async fn reauthorizing_a_device_makes_its_old_token_invalid_grant() {
    let harness = Harness::new().await;
    let old = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    let new = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    let reply = delegate_json(&harness, Gateway::HttpApi, classic(&old)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json()["error_description"],
        "Unknown or invalid refresh token."
    );
    assert_eq!(
        delegate_json(&harness, Gateway::HttpApi, classic(&new))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn every_delegation_error_is_oauth_json_with_a_4xx() {
    let harness = Harness::new().await;
    let refresh = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    let mut flipped = refresh.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"client_id": "nope", "grant_type": JWT_BEARER, "refresh_token": refresh}),
            401,
            "invalid_client",
        ),
        (
            json!({"grant_type": JWT_BEARER, "refresh_token": refresh}),
            400,
            "invalid_request",
        ),
        (
            json!({"client_id": "web", "grant_type": "password", "refresh_token": refresh}),
            400,
            "unsupported_grant_type",
        ),
        (
            json!({"client_id": "web", "refresh_token": refresh}),
            400,
            "invalid_request",
        ),
        (
            json!({"client_id": "web", "grant_type": JWT_BEARER}),
            400,
            "invalid_request",
        ),
        (classic("rt1.not-a-token"), 400, "invalid_grant"),
        (classic(&flipped), 400, "invalid_grant"),
        (
            json!({"client_id": "api-client", "grant_type": JWT_BEARER, "refresh_token": refresh}),
            400,
            "invalid_grant",
        ),
        (
            json!({"client_id": "web", "grant_type": JWT_BEARER, "refresh_token": refresh, "api_type": "firebase"}),
            400,
            "invalid_request",
        ),
        (
            json!({"client_id": "web", "grant_type": JWT_BEARER, "refresh_token": refresh, "id_token": "x"}),
            400,
            "invalid_request",
        ),
        (
            json!({"client_id": "web", "grant_type": JWT_BEARER, "refresh_token": 42}),
            400,
            "invalid_request",
        ),
        (
            json!({"client_id": "admin", "grant_type": JWT_BEARER, "refresh_token": refresh}),
            401,
            "invalid_client",
        ),
        (
            json!({"client_id": "web", "client_secret": "x", "grant_type": JWT_BEARER, "refresh_token": refresh}),
            401,
            "invalid_client",
        ),
    ];
    for (body, status, code) in cases {
        let reply = delegate_json(&harness, Gateway::HttpApi, body.clone()).await;
        assert_eq!(
            (reply.status, reply.json()["error"].as_str().unwrap()),
            (status, code),
            "{body}"
        );
        assert!(reply.json()["error_description"].is_string());
    }
    let raw_cases = [
        ("application/json", "{not json".to_owned()),
        ("text/plain", "client_id=web".to_owned()),
        (
            "application/x-www-form-urlencoded",
            format!("client_id=web&client_id=web&grant_type={JWT_BEARER}&refresh_token={refresh}"),
        ),
        (
            "application/x-www-form-urlencoded",
            "client_id=%zz".to_owned(),
        ),
    ];
    for (content_type, body) in raw_cases {
        let reply = send(
            &harness.delegation(),
            Gateway::Rest,
            &Call::post("/delegation", content_type, &body),
        )
        .await;
        assert_eq!(
            (reply.status, reply.json()["error"].as_str().unwrap()),
            (400, "invalid_request"),
            "{body}"
        );
    }
    assert_eq!(
        delegate_json(&harness, Gateway::HttpApi, classic(&refresh))
            .await
            .status,
        200,
        "errors changed nothing"
    );
}

#[tokio::test]
async fn cors_answers_only_the_clients_origins() {
    let harness = Harness::new().await;
    let preflight = Call {
        method: "OPTIONS",
        path: "/delegation".into(),
        ..Call::default()
    }
    .header("origin", ORIGIN)
    .header("access-control-request-method", "POST");
    let reply = send(&harness.delegation(), Gateway::HttpApi, &preflight).await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(reply
        .header("access-control-allow-methods")
        .unwrap()
        .contains("POST"));

    let foreign = Call {
        method: "OPTIONS",
        path: "/delegation".into(),
        ..Call::default()
    }
    .header("origin", "https://evil.example");
    let reply = send(&harness.delegation(), Gateway::HttpApi, &foreign).await;
    assert!(reply.header("access-control-allow-origin").is_none());

    let refresh = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    let call = Call::post(
        "/delegation",
        "application/json",
        &classic(&refresh).to_string(),
    )
    .header("origin", "https://evil.example");
    let reply = send(&harness.delegation(), Gateway::HttpApi, &call).await;
    assert!(reply.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn an_oversized_body_gets_413_as_oauth_json() {
    let harness = Harness::new().await;
    let body = format!("client_id=web&padding={}", "a".repeat(20 * 1024));
    for gateway in BOTH {
        let reply = send(
            &harness.delegation(),
            gateway,
            &Call::post("/delegation", "application/x-www-form-urlencoded", &body),
        )
        .await;
        assert_eq!(reply.status, 413);
        assert_eq!(reply.json()["error"], "invalid_request");
    }
}
