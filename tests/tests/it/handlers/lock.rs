//! The classic Lock widget with its default options (the devices issue,
//! item 5): its client-settings script and `/user/ssodata`, then its
//! redirect to `/authorize` with the parameters Lock adds.

use serde_json::Value;

use super::harness::{form, send, Call, Gateway, Harness, CALLBACK, ORIGIN, OTHER_ORIGIN};

#[tokio::test]
async fn lock_reads_the_clients_settings_script() {
    let harness = Harness::new().await;
    let authorize = harness.authorize();
    let reply = send(
        &authorize,
        Gateway::HttpApi,
        &Call::get("/client/web.js", ""),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("application/javascript"));
    let json = reply
        .body
        .strip_prefix("Auth0.setClient(")
        .and_then(|rest| rest.strip_suffix(");"))
        .expect("Auth0.setClient({…});");
    let settings: Value = serde_json::from_str(json).unwrap();
    assert_eq!(settings["id"], "web");
    assert_eq!(settings["authorize"], "https://auth.example.com/authorize");
    assert_eq!(settings["callback"], CALLBACK);
    let connection = &settings["strategies"][0]["connections"][0];
    assert_eq!(settings["strategies"][0]["name"], "auth0");
    assert_eq!(connection["name"], "Username-Password-Authentication");
    for missing in ["/client/nobody.js", "/client/web"] {
        let reply = send(&authorize, Gateway::HttpApi, &Call::get(missing, "")).await;
        assert_eq!(reply.status, 404, "{missing}");
    }
}

#[tokio::test]
async fn ssodata_says_no_sso_to_registered_origins_only() {
    let harness = Harness::new().await;
    let authorize = harness.authorize();
    let ask =
        |query: &str, origin: &str| Call::get("/user/ssodata", query).header("origin", origin);
    for (query, origin, readable) in [
        ("", ORIGIN, true),
        ("client_id=web", ORIGIN, true),
        ("client_id=web", OTHER_ORIGIN, false),
        ("", "https://evil.example", false),
    ] {
        let reply = send(&authorize, Gateway::HttpApi, &ask(query, origin)).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json(), serde_json::json!({"sso": false}));
        let allowed = reply.header("access-control-allow-origin");
        assert_eq!(allowed, readable.then_some(origin), "{query} {origin}");
        let credentials = reply.header("access-control-allow-credentials");
        assert_eq!(credentials, readable.then_some("true"));
    }
}

#[tokio::test]
async fn locks_redirect_to_authorize_with_its_extra_parameters_signs_in() {
    let harness = Harness::new().await;
    // Lock's redirect mode adds connection, protocol and its client info;
    // unknown parameters are ignored (RFC 6749 §3.1).
    let query = form(&[
        ("response_type", "token"),
        ("client_id", "web"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid offline_access"),
        ("device", "Lock"),
        ("state", "s"),
        ("nonce", "n"),
        ("connection", "Username-Password-Authentication"),
        ("protocol", "oauth2"),
        ("auth0Client", "eyJuYW1lIjoibG9jay5qcyJ9"),
    ]);
    let reply = harness
        .sign_in(
            Gateway::HttpApi,
            &query,
            "ana@example.com",
            super::harness::PASSWORD,
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(reply.fragment().contains_key("refresh_token"));
}
