//! The management, introspection and revocation routes over HTTP against the
//! local server backed by dynalite (the GSI, conditional writes and queries
//! of the real store).

use serde_json::{json, Value};

use crate::helpers::spawn_app;

#[tokio::test]
async fn management_and_introspection_work_on_dynalite() {
    let app = spawn_app().await;
    let laptop = app.tokens("e2e-laptop").await;
    let phone = app.tokens("e2e-phone").await;
    let admin = app.admin_token().await;

    // Introspection by the confidential admin client.
    let introspected: Value = app
        .http
        .post(app.url("/oauth/introspect"))
        .basic_auth("local-admin", Some(local_api::ADMIN_SECRET))
        .form(&[("token", laptop["refresh_token"].as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            introspected["active"].as_bool(),
            introspected["device"].as_str()
        ),
        (Some(true), Some("e2e-laptop"))
    );

    // The v2 list, and a revoke by credential id through the index.
    let listed: Value = app
        .http
        .get(app.url("/api/device-credentials?type=refresh_token&user_id=usr_demo"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let laptop_id = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["device_name"] == "e2e-laptop")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = app
        .http
        .delete(app.url(&format!("/api/device-credentials/{laptop_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    let refused: Value = app
        .http
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "local-demo"),
            ("refresh_token", laptop["refresh_token"].as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refused["error"], "invalid_grant");

    // Sign out everywhere, as the user.
    let status = app
        .http
        .delete(app.url("/api/users/usr_demo/refresh_tokens"))
        .bearer_auth(&phone["access_token"])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(app.list("usr_demo", &admin).await, json!([]));

    // A new user, and a duplicate.
    let create = |body: Value| {
        app.http
            .post(app.url("/api/users"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let body = json!({"email": "erin@example.com", "password": "a long pass phrase"});
    assert_eq!(create(body.clone()).await.unwrap().status(), 201);
    assert_eq!(create(body).await.unwrap().status(), 409);
    let response = app
        .sign_in_as("erin-phone", "erin@example.com", "a long pass phrase")
        .await;
    assert_eq!(response.status(), 303, "the new user can sign in");
}

#[tokio::test]
async fn userinfo_reads_the_profile_from_dynalite() {
    let app = spawn_app().await;
    let tokens = app.tokens("e2e-userinfo").await;
    let answer = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(&tokens["access_token"])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let claims: Value = answer.json().await.unwrap();
    assert_eq!(
        claims,
        json!({"sub": local_api::DEMO_USER_ID, "name": "Demo User",
               "email": local_api::DEMO_USERNAME, "email_verified": true})
    );
}

#[tokio::test]
async fn prompt_none_and_sign_out_everywhere_work_on_dynalite() {
    let app = spawn_app().await;
    let signed_in = app.sign_in("e2e-silent", local_api::DEMO_PASSWORD).await;
    assert_eq!(signed_in.status(), 303);
    let session = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("oa_session="))
        .expect("a sign-in cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let (_, fragment) = crate::helpers::TestApp::redirect_fragment(&signed_in);
    let silent = format!("{}&prompt=none", app.authorize_query("e2e-silent-2"));
    let answer = |cookie: String| {
        app.http
            .get(app.url(&format!("/authorize?{silent}")))
            .header("cookie", cookie)
            .send()
    };
    let quiet = answer(session.clone()).await.unwrap();
    assert_eq!(quiet.status(), 302);
    let location = quiet.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("#access_token="), "{location}");

    // Sign out everywhere ends the sign-in as well as the devices.
    let everywhere = app
        .http
        .delete(app.url(&format!(
            "/api/users/{}/refresh_tokens",
            local_api::DEMO_USER_ID
        )))
        .bearer_auth(&fragment["access_token"])
        .send()
        .await
        .unwrap();
    assert_eq!(everywhere.status(), 204);
    let refused = answer(session).await.unwrap();
    let location = refused.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("error=login_required"), "{location}");
}
