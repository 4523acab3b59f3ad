//! OpenID Connect UserInfo (OIDC Core §5.3) through the revoke handler: the
//! claims the access token's scope releases, for a token holding `openid`.

use serde_json::json;

use super::harness::{send, Call, Gateway, Harness, ORIGIN};

#[tokio::test]
async fn userinfo_answers_the_claims_the_scope_releases_by_get_and_post() {
    let harness = Harness::new().await;
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    let access = &tokens["access_token"];
    for call in [
        Call::get("/userinfo", ""),
        Call::post("/userinfo", "application/x-www-form-urlencoded", ""),
    ] {
        let reply = send(
            &harness.revoke(),
            Gateway::HttpApi,
            &call.bearer(access).header("origin", ORIGIN),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.json(),
            json!({"sub": "usr_ana", "name": "usr_ana", "email": "ana@example.com", "email_verified": true})
        );
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        assert_eq!(
            reply.header("access-control-allow-origin"),
            Some(ORIGIN),
            "CORS for the token's client's web origin"
        );
    }

    // A token narrowed to `openid` releases `sub` alone.
    let narrowed = harness
        .refresh(
            &tokens["refresh_token"],
            &[("scope", "openid offline_access")],
        )
        .await;
    assert_eq!(narrowed.status, 200, "{}", narrowed.body);
    let narrow_access = narrowed.json()["access_token"].as_str().unwrap().to_owned();
    let reply = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &Call::get("/userinfo", "").bearer(&narrow_access),
    )
    .await;
    assert_eq!(reply.json(), json!({"sub": "usr_ana"}));
}

#[tokio::test]
async fn userinfo_refuses_a_missing_bad_or_client_token() {
    let harness = Harness::new().await;
    for call in [
        Call::get("/userinfo", ""),
        Call::get("/userinfo", "").bearer("not-a-token"),
    ] {
        let reply = send(&harness.revoke(), Gateway::HttpApi, &call).await;
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(reply.json()["error"], "invalid_token");
        assert!(reply
            .header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_token\""));
    }
    // A client-credentials token is about no user and holds no `openid`.
    let admin = harness.admin_token("read:device_credentials");
    let reply = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &Call::get("/userinfo", "").bearer(&admin),
    )
    .await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str()),
        (403, Some("insufficient_scope"))
    );
}

#[tokio::test]
async fn a_browser_app_may_ask_userinfo_by_get_after_a_preflight() {
    let harness = Harness::new().await;
    let call = Call {
        method: "OPTIONS",
        ..Call::get("/userinfo", "")
    }
    .header("origin", ORIGIN)
    .header("access-control-request-method", "GET")
    .header("access-control-request-headers", "authorization");
    let reply = send(&harness.revoke(), Gateway::HttpApi, &call).await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(reply
        .header("access-control-allow-methods")
        .unwrap()
        .contains("GET"));
}
