//! The classic v2 management routes, "sign out everywhere", user creation and
//! the session cap.

use serde_json::json;

use super::harness::{form, send, Call, Gateway, Harness, Reply};

async fn refresh(harness: &Harness, client: &str, token: &str) -> Reply {
    harness.refresh_as(client, token, &[]).await
}

async fn call(harness: &Harness, call: Call) -> Reply {
    send(&harness.revoke(), Gateway::HttpApi, &call).await
}

fn delete(path: &str) -> Call {
    Call {
        method: "DELETE",
        path: path.into(),
        ..Call::default()
    }
}

#[tokio::test]
async fn device_credentials_are_listed_and_revoked_by_id() {
    let harness = Harness::new().await;
    let phone = harness.tokens_for("ana@example.com", "phone").await;
    harness
        .tokens_of_client("zero-leeway", "ana@example.com", "laptop")
        .await;
    let admin = harness.admin_token("read:device_credentials delete:device_credentials");
    let list = |query: &str| Call::get("/api/device-credentials", query);
    let reply = call(
        &harness,
        list("type=refresh_token&user_id=usr_ana").bearer(&admin),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json().as_array().unwrap().len(), 2);
    let reply = call(
        &harness,
        list("user_id=usr_ana&client_id=web").bearer(&admin),
    )
    .await;
    let listed = reply.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            listed[0]["type"].as_str(),
            listed[0]["user_id"].as_str(),
            listed[0]["device_name"].as_str()
        ),
        (Some("refresh_token"), Some("usr_ana"), Some("phone"))
    );
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    for (query, status) in [
        ("type=public_key&user_id=usr_ana", 400),
        ("type=refresh_token", 400),
        // A misspelt filter is refused, never a wider list.
        ("user_id=usr_ana&clientid=web", 400),
    ] {
        assert_eq!(
            call(&harness, list(query).bearer(&admin)).await.status,
            status,
            "{query}"
        );
    }

    // Bob may neither see nor remove Ana's credential, and can't tell it exists.
    let bob = harness.tokens_for("bob@example.com", "phone").await["access_token"].clone();
    let reply = call(&harness, list("user_id=usr_ana").bearer(&bob)).await;
    assert_eq!(reply.status, 403);
    let path = format!("/api/device-credentials/{id}");
    let reply = call(&harness, delete(&path).bearer(&bob)).await;
    assert_eq!(reply.status, 404);
    let missing = call(
        &harness,
        delete("/api/device-credentials/dcr_00000000000000000000000000000000").bearer(&bob),
    )
    .await;
    assert_eq!(
        (missing.status, missing.json()),
        (reply.status, reply.json())
    );
    assert_eq!(
        refresh(&harness, "web", &phone["refresh_token"])
            .await
            .status,
        200
    );

    // Ana may.
    let reply = call(&harness, delete(&path).bearer(&phone["access_token"])).await;
    assert_eq!(reply.status, 204);
    let after = refresh(&harness, "web", &phone["refresh_token"]).await;
    assert_eq!(after.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn signing_out_everywhere_revokes_every_session_of_the_user_only() {
    let harness = Harness::new().await;
    let phone = harness.tokens_for("ana@example.com", "phone").await;
    let laptop = harness.tokens_for("ana@example.com", "laptop").await;
    let bob = harness.tokens_for("bob@example.com", "phone").await;
    let path = "/api/users/usr_ana/refresh_tokens";
    let reply = call(&harness, delete(path).bearer(&bob["access_token"])).await;
    assert_eq!(reply.status, 403, "Bob can't sign Ana out");
    let reply = call(&harness, delete(path).bearer(&phone["access_token"])).await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    for tokens in [&phone, &laptop] {
        let reply = refresh(&harness, "web", &tokens["refresh_token"]).await;
        assert_eq!(reply.json()["error"], "invalid_grant");
    }
    assert_eq!(
        refresh(&harness, "web", &bob["refresh_token"]).await.status,
        200
    );
}

#[tokio::test]
async fn users_are_created_with_a_strong_password_and_a_unique_email() {
    let harness = Harness::new().await;
    let admin = harness.admin_token("create:users");
    let post = |body: serde_json::Value, token: &str| {
        Call::post("/api/users", "application/json", &body.to_string()).bearer(token)
    };
    let new =
        json!({"email": "Carol@Example.com", "password": "a long pass phrase", "name": "Carol"});
    let reply = call(&harness, post(new.clone(), &admin)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["email"], "carol@example.com");
    assert!(reply.json()["user_id"]
        .as_str()
        .unwrap()
        .starts_with("usr_"));
    assert!(
        !reply.body.contains("pass phrase"),
        "the password is never echoed"
    );

    let cases = [
        (post(new.clone(), &admin), 409, "conflict"),
        // The admin console's role can't be granted through the API.
        (
            post(
                json!({"email": "eve@example.com", "password": "a long pass phrase", "admin": true}),
                &admin,
            ),
            400,
            "invalid_request",
        ),
        (
            post(
                json!({"email": "dan@example.com", "password": "short"}),
                &admin,
            ),
            400,
            "invalid_request",
        ),
        (
            post(
                json!({"email": "dan@example.com", "password": "password123"}),
                &admin,
            ),
            400,
            "invalid_request",
        ),
        (
            post(
                json!({"email": "not-an-email", "password": "a long pass phrase"}),
                &admin,
            ),
            400,
            "invalid_request",
        ),
        (
            post(
                json!({"email": "dan@example.com", "password": "a long pass phrase", "role": "admin"}),
                &admin,
            ),
            400,
            "invalid_request",
        ),
        (
            post(
                json!({"email": "dan@example.com", "password": "a long pass phrase"}),
                &harness.admin_token("read:device_credentials"),
            ),
            403,
            "insufficient_scope",
        ),
        (
            Call::post("/api/users", "application/json", "{").bearer(&admin),
            400,
            "invalid_request",
        ),
    ];
    for (request, status, code) in cases {
        let reply = call(&harness, request).await;
        assert_eq!(
            (reply.status, reply.json()["error"].as_str()),
            (status, Some(code)),
            "{}",
            reply.body
        );
        assert!(!reply.body.contains("pass phrase"));
    }

    // Carol can sign in.
    let query = form(&[
        ("response_type", "token"),
        ("client_id", "web"),
        ("redirect_uri", super::harness::CALLBACK),
        ("scope", "openid"),
    ]);
    let reply = harness
        .sign_in(
            Gateway::HttpApi,
            &query,
            "carol@example.com",
            "a long pass phrase",
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
}

#[tokio::test]
async fn past_the_session_cap_the_least_recently_used_session_is_revoked() {
    let harness = Harness::new().await;
    let first = harness
        .tokens_of_client("capped", "ana@example.com", "one")
        .await;
    let second = harness
        .tokens_of_client("capped", "ana@example.com", "two")
        .await;
    // Using the first makes the second the least recently used.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let used = refresh(&harness, "capped", &first["refresh_token"]).await;
    assert_eq!(used.status, 200);
    let first_next = used.json()["refresh_token"].as_str().unwrap().to_owned();
    let third = harness
        .tokens_of_client("capped", "ana@example.com", "three")
        .await;
    assert_eq!(
        refresh(&harness, "capped", &second["refresh_token"])
            .await
            .json()["error"],
        "invalid_grant"
    );
    assert_eq!(refresh(&harness, "capped", &first_next).await.status, 200);
    assert_eq!(
        refresh(&harness, "capped", &third["refresh_token"])
            .await
            .status,
        200
    );
    // Signing in again on a device already counted replaces it, evicting nothing.
    harness
        .tokens_of_client("capped", "ana@example.com", "three")
        .await;
    let listed = call(
        &harness,
        Call::get("/api/users/usr_ana/refresh_tokens", "").bearer(&third["access_token"]),
    )
    .await;
    assert_eq!(listed.json().as_array().unwrap().len(), 2);
}
