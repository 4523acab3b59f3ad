//! Device details (the devices issue, item 1): where a session was signed
//! in from and last used from, by the real peer address and `User-Agent`,
//! and when it expires, in both list APIs. The sign-in writes the first
//! values; the refresh's one write updates the last ones.

use serde_json::{json, Value};

use super::code_grant::{code_query, pkce, VERIFIER};
use super::harness::{form, send, Call, Gateway, Harness, CALLBACK, PASSWORD};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

fn token_call(fields: &[(&str, &str)], address: &str, agent: &str) -> Call {
    Call::post(
        "/oauth/token",
        "application/x-www-form-urlencoded",
        &form(fields),
    )
    .sent_from(address)
    .header("user-agent", agent)
}

/// Ana's one session, as both list APIs show it, with an admin token.
async fn listed(harness: &Harness) -> (Value, Value) {
    let admin = harness.admin_token("read:device_credentials");
    let v1 = Call::get("/api/users/usr_ana/refresh_tokens", "").bearer(&admin);
    let v2 = Call::get(
        "/api/device-credentials",
        "type=refresh_token&user_id=usr_ana",
    )
    .bearer(&admin);
    let revoke = harness.revoke();
    let v1 = send(&revoke, Gateway::HttpApi, &v1).await.json();
    let v2 = send(&revoke, Gateway::HttpApi, &v2).await.json();
    (v1[0].clone(), v2[0].clone())
}

#[tokio::test]
async fn a_session_shows_where_it_signed_in_and_was_last_used_and_when_it_expires() {
    let harness = Harness::new().await;
    let challenge = pkce();
    let query = code_query(
        "web",
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    let browser = |call: Call| {
        call.sent_from("203.0.113.10")
            .header("user-agent", FIREFOX)
            // A client-set header never counts as the address.
            .header("x-forwarded-for", "6.6.6.6")
    };
    let reply = harness
        .sign_in_with(
            Gateway::HttpApi,
            &query,
            ("ana@example.com", PASSWORD),
            browser,
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let code = reply.redirect_query().1["code"].clone();
    let exchange = [
        ("grant_type", "authorization_code"),
        ("client_id", "web"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let delegation = harness.delegation();
    let call = token_call(&exchange, "198.51.100.20", "TabletApp/1.0");
    let tokens = send(&delegation, Gateway::HttpApi, &call).await.json();

    let (v1, v2) = listed(&harness).await;
    let signed_in =
        json!({"ip": "203.0.113.10", "user_agent": FIREFOX, "description": "Firefox on Linux"});
    assert_eq!(v1["signed_in_from"], signed_in, "{v1}");
    assert_eq!(v1["last_used_from"]["ip"], "198.51.100.20");
    assert_eq!(v1["last_used_from"]["user_agent"], "TabletApp/1.0");
    for name in [
        "signed_in_from",
        "last_used_from",
        "expires_at",
        "idle_expires_at",
    ] {
        assert_eq!(v1[name], v2[name], "{name}: v1 and v2 agree");
    }
    // The web client's default lifetimes: idle 15 days, absolute 30.
    let at = |name: &str| {
        time::OffsetDateTime::parse(
            v1[name].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
        .unix_timestamp()
    };
    assert_eq!(at("idle_expires_at") - at("last_used_at"), 15 * 86_400);
    assert_eq!(at("absolute_expires_at") - at("created_at"), 30 * 86_400);
    assert_eq!(at("expires_at"), at("idle_expires_at"));

    // A refresh from elsewhere updates the last values, in its one write.
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", "web"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
    ];
    let call = token_call(&refresh, "2001:db8::7", "TabletApp/1.1");
    assert_eq!(send(&delegation, Gateway::HttpApi, &call).await.status, 200);
    let (v1, _) = listed(&harness).await;
    assert_eq!(v1["signed_in_from"], signed_in);
    assert_eq!(
        v1["last_used_from"],
        json!({"ip": "2001:db8::7", "user_agent": "TabletApp/1.1"})
    );
    assert!(!v1.to_string().contains("6.6.6.6"));
}
