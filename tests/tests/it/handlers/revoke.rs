//! Listing and revoking refresh tokens through the revoke handler.

use super::harness::{send, Call, Gateway, Harness, BOTH};

fn list(user: &str) -> Call {
    Call::get(&format!("/api/users/{user}/refresh_tokens"), "")
}

fn revoke(user: &str, token: &str) -> Call {
    Call::delete(&format!("/api/users/{user}/refresh_tokens/{token}"))
}

#[tokio::test]
async fn a_user_lists_their_tokens_without_secrets() {
    let harness = Harness::new().await;
    let phone = harness.tokens_for("ana@example.com", "phone").await;
    harness.tokens_for("ana@example.com", "laptop").await;
    for gateway in BOTH {
        let reply = send(
            &harness.revoke(),
            gateway,
            &list("usr_ana").bearer(&phone["access_token"]),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let listed = reply.json();
        let devices: Vec<_> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["device_name"].as_str().unwrap())
            .collect();
        assert_eq!(devices, ["laptop", "phone"]);
        for credential in listed.as_array().unwrap() {
            assert!(credential["id"].as_str().unwrap().starts_with("dcr_"));
            assert_eq!(credential["client_id"], "web");
            assert!(credential["created_at"].as_str().unwrap().ends_with('Z'));
            assert!(credential["last_used_at"].is_string());
        }
        let secret = phone["refresh_token"].rsplit('.').next().unwrap();
        assert!(!reply.body.contains(secret) && !reply.body.contains("token_hash"));
    }
}

#[tokio::test]
async fn a_user_revokes_their_own_token_and_it_stops_working_at_once() {
    let harness = Harness::new().await;
    for gateway in BOTH {
        let tokens = harness.tokens_for("ana@example.com", "phone").await;
        let reply = send(
            &harness.revoke(),
            gateway,
            &revoke("usr_ana", &tokens["refresh_token"]).bearer(&tokens["access_token"]),
        )
        .await;
        assert_eq!(reply.status, 204, "{}", reply.body);
        let again = send(
            &harness.revoke(),
            gateway,
            &revoke("usr_ana", &tokens["refresh_token"]).bearer(&tokens["access_token"]),
        )
        .await;
        assert_eq!(again.status, 404);
        let listed = send(
            &harness.revoke(),
            gateway,
            &list("usr_ana").bearer(&tokens["access_token"]),
        )
        .await;
        assert_eq!(listed.json(), serde_json::json!([]));
    }
}

#[tokio::test]
async fn an_admin_lists_and_revokes_by_credential_id() {
    let harness = Harness::new().await;
    harness.tokens_for("bob@example.com", "tablet").await;
    let admin = harness.admin_token("read:device_credentials delete:device_credentials");
    let listed = send(
        &harness.revoke(),
        Gateway::Rest,
        &list("usr_bob").bearer(&admin),
    )
    .await
    .json();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let reply = send(
        &harness.revoke(),
        Gateway::Rest,
        &revoke("usr_bob", &id).bearer(&admin),
    )
    .await;
    assert_eq!(reply.status, 204);
    let listed = send(
        &harness.revoke(),
        Gateway::Rest,
        &list("usr_bob").bearer(&admin),
    )
    .await
    .json();
    assert_eq!(listed, serde_json::json!([]));
}

#[tokio::test]
async fn missing_or_invalid_bearer_tokens_get_401_with_a_challenge() {
    let harness = Harness::new().await;
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    let cases = [
        list("usr_ana"),
        list("usr_ana").header("authorization", "Basic YTpi"),
        list("usr_ana").bearer("not.a.jwt"),
        list("usr_ana").bearer(&tokens["id_token"]),
        list("usr_ana").bearer(&tokens["access_token"][..tokens["access_token"].len() - 2]),
        revoke("usr_ana", &tokens["refresh_token"]).bearer(&tokens["refresh_token"]),
    ];
    for call in cases {
        let reply = send(&harness.revoke(), Gateway::HttpApi, &call).await;
        assert_eq!(reply.status, 401, "{call:?}");
        assert_eq!(reply.json()["error"], "invalid_token");
        assert!(reply
            .header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_token\""));
    }
}

#[tokio::test]
async fn another_users_tokens_are_forbidden_and_reveal_nothing() {
    let harness = Harness::new().await;
    let ana = harness.tokens_for("ana@example.com", "phone").await;
    let bob = harness.tokens_for("bob@example.com", "phone").await;
    let as_ana = |call: Call| call.bearer(&ana["access_token"]);
    let reply = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &as_ana(list("usr_bob")),
    )
    .await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str().unwrap()),
        (403, "insufficient_scope")
    );
    let real = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &as_ana(revoke("usr_bob", &bob["refresh_token"])),
    )
    .await;
    let fake = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &as_ana(revoke("usr_bob", "rt1.made.up")),
    )
    .await;
    assert_eq!(
        (real.status, real.body.clone()),
        (fake.status, fake.body.clone())
    );
    assert_eq!(real.status, 403);
    // Bob's token under Ana's own path: not found, and still Bob's.
    let reply = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &as_ana(revoke("usr_ana", &bob["refresh_token"])),
    )
    .await;
    assert_eq!(reply.status, 404);
    let listed = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &list("usr_bob").bearer(&bob["access_token"]),
    )
    .await;
    assert_eq!(listed.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn scopes_decide_what_an_admin_may_do_and_unknown_users_are_404() {
    let harness = Harness::new().await;
    let bob = harness.tokens_for("bob@example.com", "phone").await;
    let reader = harness.admin_token("read:device_credentials");
    let reply = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &revoke("usr_bob", &bob["refresh_token"]).bearer(&reader),
    )
    .await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str().unwrap()),
        (403, "insufficient_scope")
    );
    let reply = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &list("usr_ghost").bearer(&reader),
    )
    .await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str().unwrap()),
        (404, "not_found")
    );
    let deleter = harness.admin_token("delete:device_credentials");
    for token in ["rt1.bad", "dcr_0000", "dcr_!!"] {
        let reply = send(
            &harness.revoke(),
            Gateway::HttpApi,
            &revoke("usr_bob", token).bearer(&deleter),
        )
        .await;
        assert_eq!(reply.status, 404, "{token}");
    }
}
