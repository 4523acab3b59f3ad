//! RFC 7009 revocation, RFC 7662 introspection and OpenID discovery, each
//! checked against what the other endpoints really do.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use super::harness::{form, send, Call, Gateway, Harness, Reply, CALLBACK};

fn post(path: &str, fields: &[(&str, &str)]) -> Call {
    Call::post(path, "application/x-www-form-urlencoded", &form(fields))
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

async fn introspect(harness: &Harness, token: &str) -> Reply {
    let call = post("/oauth/introspect", &[("token", token)])
        .header("authorization", &basic("confidential-app", "app-secret"));
    send(&harness.revoke(), Gateway::HttpApi, &call).await
}

async fn refresh(harness: &Harness, token: &str) -> Reply {
    let fields = [
        ("grant_type", "refresh_token"),
        ("client_id", "web"),
        ("refresh_token", token),
    ];
    send(
        &harness.delegation(),
        Gateway::HttpApi,
        &post("/oauth/token", &fields),
    )
    .await
}

#[tokio::test]
async fn revocation_ends_the_session_and_answers_200_for_anything_unknown() {
    let harness = Harness::new().await;
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    let rt = tokens["refresh_token"].as_str();
    for token in ["not-a-token", "eyJhbGciOiJub25lIn0.e30."] {
        let call = post("/oauth/revoke", &[("token", token), ("client_id", "web")]);
        let reply = send(&harness.revoke(), Gateway::HttpApi, &call).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    assert_eq!(refresh(&harness, rt).await.status, 200, "still alive");
    let call = post(
        "/oauth/revoke",
        &[
            ("token", rt),
            ("token_type_hint", "refresh_token"),
            ("client_id", "web"),
        ],
    );
    for gateway in [Gateway::HttpApi, Gateway::Rest] {
        let reply = send(&harness.revoke(), gateway, &call).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    assert_eq!(refresh(&harness, rt).await.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn a_revoked_access_token_stops_working_here_at_once() {
    let harness = Harness::new().await;
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    let access = tokens["access_token"].as_str();
    let list = || Call::get("/api/users/usr_ana/refresh_tokens", "").bearer(access);
    assert_eq!(
        send(&harness.revoke(), Gateway::HttpApi, &list())
            .await
            .status,
        200
    );

    // Another client may not revoke it, and that changes nothing.
    let foreign = post(
        "/oauth/revoke",
        &[("token", access), ("client_id", "zero-leeway")],
    );
    let reply = send(&harness.revoke(), Gateway::HttpApi, &foreign).await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        send(&harness.revoke(), Gateway::HttpApi, &list())
            .await
            .status,
        200
    );

    // Its own client revokes it (RFC 7009 §2.1): our API, UserInfo and
    // introspection refuse it from then on.
    let own = post("/oauth/revoke", &[("token", access), ("client_id", "web")]);
    assert_eq!(
        send(&harness.revoke(), Gateway::HttpApi, &own).await.status,
        200
    );
    for call in [list(), Call::get("/userinfo", "").bearer(access)] {
        let reply = send(&harness.revoke(), Gateway::HttpApi, &call).await;
        assert_eq!(
            (reply.status, reply.json()["error"].as_str()),
            (401, Some("invalid_token")),
            "{}",
            call.path
        );
    }
    assert_eq!(
        introspect(&harness, access).await.json(),
        serde_json::json!({"active": false})
    );
    // The refresh token, and the next access token, are untouched.
    let next = refresh(&harness, &tokens["refresh_token"]).await.json();
    let fresh = next["access_token"].as_str().unwrap();
    let reply = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &Call::get("/api/users/usr_ana/refresh_tokens", "").bearer(fresh),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn revocation_checks_the_client() {
    let harness = Harness::new().await;
    let rt = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    let other = post(
        "/oauth/revoke",
        &[("token", rt.as_str()), ("client_id", "zero-leeway")],
    );
    let reply = send(&harness.revoke(), Gateway::HttpApi, &other).await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // A browser app can read the error, not only the success.
    let no_token =
        post("/oauth/revoke", &[("client_id", "web")]).header("origin", super::harness::ORIGIN);
    let reply = send(&harness.revoke(), Gateway::HttpApi, &no_token).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(super::harness::ORIGIN)
    );
    let bad_secret = post("/oauth/revoke", &[("token", rt.as_str())])
        .header("authorization", &basic("confidential-app", "wrong"));
    let reply = send(&harness.revoke(), Gateway::HttpApi, &bad_secret).await;
    assert_eq!(reply.status, 401);
    assert!(reply.header("www-authenticate").is_some());
    let anonymous = post("/oauth/revoke", &[("token", rt.as_str())]);
    let reply = send(&harness.revoke(), Gateway::HttpApi, &anonymous).await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(
        refresh(&harness, &rt).await.status,
        200,
        "nothing was revoked"
    );
}

#[tokio::test]
async fn introspection_describes_live_tokens_and_only_to_confidential_clients() {
    let harness = Harness::new().await;
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    let reply = introspect(&harness, &tokens["refresh_token"]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["active"], true);
    assert_eq!(
        (
            body["sub"].as_str(),
            body["client_id"].as_str(),
            body["device"].as_str()
        ),
        (Some("usr_ana"), Some("web"), Some("phone"))
    );
    assert_eq!(body["scope"], "email offline_access openid profile");
    assert!(body["exp"].as_u64().unwrap() > body["iat"].as_u64().unwrap());
    let access = introspect(&harness, &tokens["access_token"]).await.json();
    assert_eq!(
        (access["active"].as_bool(), access["sub"].as_str()),
        (Some(true), Some("usr_ana"))
    );
    assert_eq!(
        access["token_type"], "Bearer",
        "RFC 7662 §2.2: an RFC 6749 §5.1 type"
    );
    let jti = access["jti"].as_str().unwrap();
    assert_eq!(jti.len(), 32, "RFC 9068 §2.2: every access token has a jti");
    let again = harness.tokens_for("ana@example.com", "tablet").await;
    let other = introspect(&harness, &again["access_token"]).await.json();
    assert_ne!(other["jti"].as_str(), Some(jti), "and each its own");

    // Once rotated, the old refresh token is inactive and the new one active.
    let next = refresh(&harness, &tokens["refresh_token"]).await.json()["refresh_token"].clone();
    assert_eq!(
        introspect(&harness, &tokens["refresh_token"]).await.json(),
        serde_json::json!({"active": false})
    );
    assert_eq!(
        introspect(&harness, next.as_str().unwrap()).await.json()["active"],
        true
    );
    assert_eq!(
        introspect(&harness, "garbage").await.json(),
        serde_json::json!({"active": false})
    );

    let public = post(
        "/oauth/introspect",
        &[("token", next.as_str().unwrap()), ("client_id", "web")],
    );
    let reply = send(&harness.revoke(), Gateway::HttpApi, &public).await;
    assert_eq!(reply.status, 401);
    assert!(reply.body.contains("invalid_client"));
}

#[tokio::test]
async fn discovery_advertises_exactly_what_the_endpoints_do() {
    let harness = Harness::new().await;
    let reply = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/.well-known/openid-configuration", ""),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("*"),
        "a browser app on another origin reads discovery"
    );
    let meta: Value = reply.json();
    let rfc8414 = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/.well-known/oauth-authorization-server", ""),
    )
    .await;
    assert_eq!(rfc8414.status, 200);
    assert_eq!(rfc8414.json(), meta, "RFC 8414 §3: the same metadata");
    let issuer = "https://auth.example.com/";
    assert_eq!(meta["issuer"], issuer);
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);
    assert_eq!(meta["request_parameter_supported"], false);
    assert_eq!(meta["request_uri_parameter_supported"], false);
    for (key, path) in [
        ("authorization_endpoint", "authorize"),
        ("token_endpoint", "oauth/token"),
        ("revocation_endpoint", "oauth/revoke"),
        ("introspection_endpoint", "oauth/introspect"),
        ("jwks_uri", ".well-known/jwks.json"),
    ] {
        assert_eq!(meta[key], format!("{issuer}{path}"));
    }
    let list = |key: &str| -> Vec<String> {
        meta[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };

    // Every advertised grant is one the token endpoints accept.
    for grant in list("grant_types_supported") {
        let path = if grant.starts_with("urn:") {
            "/delegation"
        } else {
            "/oauth/token"
        };
        if grant == "implicit" {
            continue;
        }
        let call = post(path, &[("grant_type", &grant), ("client_id", "web")]);
        let reply = send(&harness.delegation(), Gateway::HttpApi, &call).await;
        assert_ne!(reply.json()["error"], "unsupported_grant_type", "{grant}");
    }
    // Every advertised response type is one /authorize accepts, and no other.
    for (response_type, supported) in [("code", true), ("token", true), ("id_token", false)] {
        assert_eq!(
            list("response_types_supported").contains(&response_type.to_owned()),
            supported
        );
        let query = form(&[
            ("response_type", response_type),
            ("client_id", "web"),
            ("redirect_uri", CALLBACK),
        ]);
        let reply = send(
            &harness.authorize(),
            Gateway::HttpApi,
            &Call::get("/authorize", &query),
        )
        .await;
        let unsupported = reply
            .header("location")
            .is_some_and(|l| l.contains("unsupported_response_type"));
        assert_eq!(unsupported, !supported, "{response_type}");
    }
    // The signing algorithm is the one the JWKS key and the tokens use.
    let jwks = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/.well-known/jwks.json", ""),
    )
    .await;
    assert_eq!(
        meta["id_token_signing_alg_values_supported"][0],
        jwks.json()["keys"][0]["alg"]
    );
    assert_eq!(jwks.header("access-control-allow-origin"), Some("*"));
    assert_eq!(list("code_challenge_methods_supported"), ["S256"]);
    assert_eq!(
        list("token_endpoint_auth_methods_supported"),
        ["client_secret_basic", "client_secret_post", "none"]
    );
}
