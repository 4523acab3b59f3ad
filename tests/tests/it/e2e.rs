//! The whole classic flow over HTTP, against the local server backed by dynalite.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn classic(refresh_token: &str) -> Value {
    json!({"client_id": "local-demo", "grant_type": JWT_BEARER, "refresh_token": refresh_token, "api_type": "app"})
}

#[tokio::test]
async fn the_classic_refresh_token_flow_works_end_to_end_on_dynalite() {
    let app = spawn_app().await;
    classic_flow(&app).await;
}

/// Sign-in, `/delegation` with rotation and a retry, list, revoke by the user
/// and by an admin. Returns every token it saw, for the log test.
pub async fn classic_flow(app: &TestApp) -> Vec<String> {
    // 1. The login page.
    let page = app
        .http
        .get(app.url(&format!("/authorize?{}", app.authorize_query("my-laptop"))))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<form method=\"post\""));

    // 2. The redirect with a refresh token.
    let tokens = app.tokens("my-laptop").await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["state"], "e2e-state");
    let refresh = tokens["refresh_token"].clone();

    // 3. /delegation with JSON, then with a form body.
    let response = app.delegation_json(&classic(&refresh)).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["token_type"].as_str(), body["expires_in"].as_u64()),
        (Some("Bearer"), Some(36_000))
    );
    // The demo app is public, so it rotates: the answer carries the successor.
    let successor = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(successor, refresh);
    let form = [
        ("client_id", "local-demo"),
        ("grant_type", JWT_BEARER),
        ("refresh_token", refresh.as_str()),
        ("target", "local-demo"),
        ("api_type", "auth0"),
        ("scope", "passthrough"),
    ];
    let response = app
        .http
        .post(app.url("/delegation"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["refresh_token"], successor,
        "a retry inside the leeway gets the same successor"
    );
    let refresh = successor;

    // 4. The list.
    let listed = app.list("usr_demo", &tokens["access_token"]).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["device_name"], "my-laptop");
    assert_eq!(listed[0]["client_id"], "local-demo");

    // 5a. A revoke by the user.
    assert_eq!(
        app.revoke("usr_demo", &refresh, &tokens["access_token"])
            .await,
        204
    );

    // 6. The revoked token is refused at once.
    let response = app.delegation_json(&classic(&refresh)).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");

    // 5b. A revoke by an admin token from client_credentials, by credential id.
    let phone = app.tokens("my-phone").await;
    let admin = app.admin_token().await;
    let id = app.list("usr_demo", &admin).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.revoke("usr_demo", &id, &admin).await, 204);
    let body: Value = app
        .delegation_json(&classic(&phone["refresh_token"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"], "invalid_grant");
    let mut seen = vec![refresh, admin];
    for map in [&tokens, &phone] {
        seen.extend(["access_token", "id_token", "refresh_token"].map(|k| map[k].clone()));
    }
    seen
}

#[tokio::test]
async fn a_wrong_password_over_http_issues_nothing() {
    let app = spawn_app().await;
    let response = app.sign_in("my-laptop", "not-the-password").await;
    assert_eq!(response.status(), 401);
    assert!(response.headers().get("location").is_none());
    assert_eq!(
        app.list("usr_demo", &app.admin_token().await).await,
        json!([])
    );
}

/// Brute-force protection over HTTP on dynalite: concurrent failures from
/// one socket address are all counted (atomic `ADD`), and the tenth blocks
/// that address, even with the right password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_passwords_are_all_counted_and_then_block() {
    use shared::store::FailureKey;
    let app = spawn_app().await;
    let attempts = (0..12).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { app.sign_in("laptop", "not-the-password").await.status() })
    });
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap().as_u16());
    }
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 429)),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 401).count() >= 10,
        "{statuses:?}"
    );
    let now = shared::domain::now();
    let pair = FailureKey::address(local_api::DEMO_USERNAME, "127.0.0.1");
    let account = FailureKey::account(local_api::DEMO_USERNAME);
    let checked = statuses.iter().filter(|s| **s == 401).count() as u64;
    let counted = app.store.failures(&pair, now).await.unwrap().unwrap();
    assert_eq!(
        counted.count, checked,
        "every checked failure is counted once"
    );
    assert_eq!(
        app.store
            .failures(&account, now)
            .await
            .unwrap()
            .unwrap()
            .count,
        checked
    );
    let blocked = app.sign_in("laptop", local_api::DEMO_PASSWORD).await;
    assert_eq!(blocked.status(), 429);
    let retry: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
}

#[tokio::test]
async fn the_jwks_and_the_callback_page_are_served() {
    let app = spawn_app().await;
    let jwks: Value = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
    let callback = app.http.get(app.url("/callback")).send().await.unwrap();
    assert_eq!(callback.status(), 200);
    assert!(callback.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'sha256-"));
}

#[tokio::test]
async fn a_user_added_to_the_directory_can_sign_in() {
    use local_api::users::add_user;
    use shared::domain::users::Role;
    use shared::secret::Password;

    let app = spawn_app().await;
    let store = app.store.as_ref();
    let id = add_user(
        store,
        "new@example.com",
        Some("New User"),
        Password::new("a long password"),
        Role::User,
    )
    .await
    .unwrap();
    assert!(
        add_user(
            store,
            "NEW@example.com",
            None,
            Password::new("a long password"),
            Role::User,
        )
        .await
        .is_err(),
        "logins are unique"
    );
    assert!(add_user(
        store,
        "short@example.com",
        None,
        Password::new("short"),
        Role::User
    )
    .await
    .is_err());
    let nine = add_user(
        store,
        "nine@example.com",
        None,
        Password::new("abcdefg-9"),
        Role::User,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        nine.contains("at least 10 characters"),
        "the API's rule, not a weaker one: {nine}"
    );
    assert!(add_user(
        store,
        "not-an-email",
        None,
        Password::new("a long password"),
        Role::User,
    )
    .await
    .is_err());

    // add-user --admin: the admin console's role, which the API can't grant.
    let boss = add_user(
        store,
        "boss@example.com",
        None,
        Password::new("a long password"),
        Role::Admin,
    )
    .await
    .unwrap();
    let boss = shared::ids::UserId::parse(boss).unwrap();
    assert!(store.find_account(&boss).await.unwrap().unwrap().admin);
    let plain = shared::ids::UserId::parse(id.clone()).unwrap();
    assert!(!store.find_account(&plain).await.unwrap().unwrap().admin);

    let response = app
        .sign_in_as("desk", "new@example.com", "a long password")
        .await;
    assert_eq!(response.status(), 303);
    let (_, fragment) = TestApp::redirect_fragment(&response);
    let listed = app.list(&id, &fragment["access_token"]).await;
    assert_eq!(listed[0]["device_name"], "desk");
}
