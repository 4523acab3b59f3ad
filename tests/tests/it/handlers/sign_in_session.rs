//! The sign-in at the authorization server (OIDC Core §3.1.2.1): the
//! `oa_session` cookie, `prompt=none`, `prompt=login`, `max_age`,
//! `auth_time`, `login_hint`, and RP-initiated logout.

use std::collections::HashMap;

use super::delegation::claims;
use super::harness::{form, send, Call, Gateway, Harness, Reply, CALLBACK, PASSWORD, SIGNED_OUT};

const VERIFIER: &str = "a-perfectly-random-verifier-of-at-least-43-characters";
const ISSUER: &str = "https://auth.example.com/";

/// Ana signs in with the implicit flow; the tokens and the session cookie.
async fn signed_in(harness: &Harness) -> (HashMap<String, String>, String) {
    let query = form(&[
        ("response_type", "token"),
        ("client_id", "web"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid offline_access"),
        ("device", "phone"),
        ("nonce", "n-0"),
    ]);
    let reply = harness
        .sign_in(Gateway::HttpApi, &query, "ana@example.com", PASSWORD)
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let set = reply.set_cookie("oa_session").expect("a sign-in cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    assert!(!set.contains("Domain="), "host-only: {set}");
    let value = set.split(';').next().unwrap().to_owned();
    (reply.fragment(), value)
}

/// A code-flow request with `extra` (`prompt`, `max_age`, …).
fn code_request(extra: &[(&str, &str)]) -> Call {
    let challenge = shared::domain::pkce::challenge_of(VERIFIER);
    let mut fields = vec![
        ("response_type", "code"),
        ("client_id", "web"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid"),
        ("state", "st"),
        ("nonce", "n-1"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    fields.extend_from_slice(extra);
    Call::get("/authorize", &form(&fields))
}

async fn authorize(harness: &Harness, call: Call, session: Option<&str>) -> Reply {
    let call = match session {
        Some(cookie) => call.header("cookie", cookie),
        None => call,
    };
    send(&harness.authorize(), Gateway::HttpApi, &call).await
}

/// The id token a `prompt=none` code is exchanged for.
async fn id_token_of(harness: &Harness, reply: &Reply) -> serde_json::Value {
    assert_eq!(reply.status, 302, "{}", reply.body);
    let (target, params) = reply.redirect_query();
    assert_eq!(target, CALLBACK);
    assert_eq!(
        (params["state"].as_str(), params["iss"].as_str()),
        ("st", ISSUER)
    );
    let exchange = Call::post(
        "/oauth/token",
        "application/x-www-form-urlencoded",
        &form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "web"),
            ("code", &params["code"]),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ]),
    );
    let answer = send(&harness.delegation(), Gateway::HttpApi, &exchange).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    claims(answer.json()["id_token"].as_str().unwrap())
}

fn login_required(reply: &Reply) {
    assert_eq!(reply.status, 302, "never a page: {}", reply.body);
    let (_, params) = reply.redirect_query();
    assert_eq!(params["error"], "login_required");
    assert_eq!(
        (params["state"].as_str(), params["iss"].as_str()),
        ("st", ISSUER)
    );
}

#[tokio::test]
async fn prompt_none_answers_from_the_sign_in_and_id_tokens_carry_auth_time() {
    let harness = Harness::new().await;
    let before = shared::domain::now();
    let (tokens, session) = signed_in(&harness).await;
    let first = claims(&tokens["id_token"]);
    let auth_time = first["auth_time"].as_u64().expect("auth_time");
    assert!(auth_time >= before && auth_time <= shared::domain::now());

    let silent = authorize(
        &harness,
        code_request(&[("prompt", "none")]),
        Some(&session),
    )
    .await;
    let id = id_token_of(&harness, &silent).await;
    assert_eq!(
        id["auth_time"].as_u64(),
        Some(auth_time),
        "the sign-in's time"
    );
    assert_eq!(
        (id["sub"].as_str(), id["nonce"].as_str()),
        (Some("usr_ana"), Some("n-1"))
    );

    // A refreshed id token keeps the sign-in's time too.
    let refreshed = harness.refresh(&tokens["refresh_token"], &[]).await.json();
    let id = claims(refreshed["id_token"].as_str().unwrap());
    assert!(id["auth_time"].as_u64().unwrap() <= shared::domain::now());
}

#[tokio::test]
async fn prompt_none_without_a_fresh_enough_sign_in_is_login_required() {
    let harness = Harness::new().await;
    login_required(&authorize(&harness, code_request(&[("prompt", "none")]), None).await);
    let (_, session) = signed_in(&harness).await;
    let forged = "oa_session=dXNyX2FuYQ.".to_owned() + &"0".repeat(64);
    login_required(&authorize(&harness, code_request(&[("prompt", "none")]), Some(&forged)).await);
    let fresh = code_request(&[("prompt", "none"), ("max_age", "3600")]);
    assert_eq!(authorize(&harness, fresh, Some(&session)).await.status, 302);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let stale = code_request(&[("prompt", "none"), ("max_age", "0")]);
    login_required(&authorize(&harness, stale, Some(&session)).await);
}

#[tokio::test]
async fn prompt_login_and_max_age_show_the_form_and_login_hint_fills_it() {
    let harness = Harness::new().await;
    let (_, session) = signed_in(&harness).await;
    for extra in [&[("prompt", "login")][..], &[("max_age", "0")][..]] {
        let page = authorize(&harness, code_request(extra), Some(&session)).await;
        assert_eq!(page.status, 200, "{extra:?}: {}", page.body);
        assert!(page.body.contains("<form"));
    }
    let hinted = authorize(
        &harness,
        code_request(&[("login_hint", "ana@example.com")]),
        None,
    )
    .await;
    assert!(
        hinted.body.contains("value=\"ana@example.com\""),
        "{}",
        hinted.body
    );
    let bad = authorize(&harness, code_request(&[("prompt", "none login")]), None).await;
    let (_, params) = bad.redirect_query();
    assert_eq!(params["error"], "invalid_request");
}

#[tokio::test]
async fn logout_ends_the_sign_in_but_not_the_devices() {
    let harness = Harness::new().await;
    let (tokens, session) = signed_in(&harness).await;
    let logout = |query: String| Call::get("/oidc/logout", &query).header("cookie", &session);

    // A redirect that is not registered, or a client that is not, is
    // refused, and changes nothing.
    for refused in [
        form(&[
            ("id_token_hint", tokens["id_token"].as_str()),
            ("post_logout_redirect_uri", "https://evil.example/"),
        ]),
        form(&[("client_id", "no-such-client")]),
    ] {
        let reply = send(&harness.authorize(), Gateway::HttpApi, &logout(refused)).await;
        assert_eq!(reply.status, 400);
        assert!(reply.header("location").is_none());
        assert!(reply.header("set-cookie").is_none(), "the cookie stays");
    }
    assert_eq!(
        authorize(
            &harness,
            code_request(&[("prompt", "none")]),
            Some(&session)
        )
        .await
        .status,
        302
    );

    let query = form(&[
        ("id_token_hint", tokens["id_token"].as_str()),
        ("post_logout_redirect_uri", SIGNED_OUT),
        ("state", "bye"),
    ]);
    let reply = send(&harness.authorize(), Gateway::HttpApi, &logout(query)).await;
    assert_eq!(reply.status, 302, "{}", reply.body);
    assert_eq!(
        reply.header("location"),
        Some(format!("{SIGNED_OUT}?state=bye").as_str())
    );
    let cleared = reply.set_cookie("oa_session").unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    login_required(
        &authorize(
            &harness,
            code_request(&[("prompt", "none")]),
            Some(&session),
        )
        .await,
    );

    // The device's refresh token still works.
    assert_eq!(
        harness.refresh(&tokens["refresh_token"], &[]).await.status,
        200
    );

    // Without a redirect, a page says so.
    let page = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/oidc/logout", ""),
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("signed out"));
}

#[tokio::test]
async fn signing_out_everywhere_ends_the_sign_in_too() {
    let harness = Harness::new().await;
    let (tokens, session) = signed_in(&harness).await;
    let everywhere =
        Call::delete("/api/users/usr_ana/refresh_tokens").bearer(&tokens["access_token"]);
    assert_eq!(
        send(&harness.revoke(), Gateway::HttpApi, &everywhere)
            .await
            .status,
        204
    );
    login_required(
        &authorize(
            &harness,
            code_request(&[("prompt", "none")]),
            Some(&session),
        )
        .await,
    );
}
