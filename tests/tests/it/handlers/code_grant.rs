//! The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636): the code
//! at `/authorize`, the exchange at `/oauth/token`, and replay protection.

use std::collections::HashMap;

use shared::domain::pkce::challenge_of;

use super::delegation::claims;
use super::harness::{form, send, Call, Gateway, Harness, Reply, CALLBACK, PASSWORD};

pub const VERIFIER: &str = "a-perfectly-random-verifier-of-at-least-43-characters";

pub fn code_query(client: &str, extra: &[(&str, &str)]) -> String {
    let mut fields = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", CALLBACK),
        ("scope", "openid profile offline_access"),
        ("device", "tablet"),
        ("state", "st-1"),
        ("nonce", "n-1"),
    ];
    fields.extend_from_slice(extra);
    form(&fields)
}

/// Signs Ana in with the code flow; returns the redirect's query.
pub async fn code_for(
    harness: &Harness,
    client: &str,
    extra: &[(&str, &str)],
) -> HashMap<String, String> {
    let query = code_query(client, extra);
    let reply = harness
        .sign_in(Gateway::HttpApi, &query, "ana@example.com", PASSWORD)
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let (target, params) = reply.redirect_query();
    assert_eq!(target, CALLBACK);
    assert_eq!(params["state"], "st-1");
    assert!(
        !params.contains_key("access_token"),
        "tokens never ride the redirect"
    );
    params
}

async fn exchange(harness: &Harness, fields: &[(&str, &str)]) -> Reply {
    let call = Call::post(
        "/oauth/token",
        "application/x-www-form-urlencoded",
        &form(fields),
    );
    send(&harness.delegation(), Gateway::HttpApi, &call).await
}

pub fn pkce() -> String {
    challenge_of(VERIFIER)
}

#[tokio::test]
async fn a_public_client_trades_its_code_and_verifier_for_tokens_once() {
    let harness = Harness::new().await;
    let challenge = pkce();
    let params = code_for(
        &harness,
        "web",
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert_eq!(params["iss"], "https://auth.example.com/", "RFC 9207 §2");
    let fields = [
        ("grant_type", "authorization_code"),
        ("client_id", "web"),
        ("code", params["code"].as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let reply = exchange(&harness, &fields).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "offline_access openid profile");
    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(
        (id["nonce"].as_str(), id["aud"].as_str()),
        (Some("n-1"), Some("web"))
    );
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();

    // The refresh token works ...
    let refreshed = exchange(
        &harness,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "web"),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let successor = refreshed.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // ... until the code is replayed: the replay fails and ends that session.
    let replay = exchange(&harness, &fields).await;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.json()["error"], "invalid_grant");
    let after = exchange(
        &harness,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "web"),
            ("refresh_token", &successor),
        ],
    )
    .await;
    assert_eq!(
        after.json()["error"],
        "invalid_grant",
        "the session is revoked"
    );
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_redirect_uri_and_verifier() {
    let harness = Harness::new().await;
    let challenge = pkce();
    let pkce_params = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let wrong: [(&str, &str, &str); 4] = [
        ("web", "https://app.example.com/other", VERIFIER),
        (
            "web",
            CALLBACK,
            "another-verifier-that-is-long-enough-to-be-valid-xx",
        ),
        ("zero-leeway", CALLBACK, VERIFIER),
        ("web", CALLBACK, "short"),
    ];
    for (client, redirect_uri, verifier) in wrong {
        let code = code_for(&harness, "web", &pkce_params).await["code"].clone();
        let fields = [
            ("grant_type", "authorization_code"),
            ("client_id", client),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let reply = exchange(&harness, &fields).await;
        assert_eq!(
            (reply.status, reply.json()["error"].as_str()),
            (400, Some("invalid_grant")),
            "{client} {redirect_uri} {verifier}"
        );
        // The refusal changed nothing: the code still works for its client.
        let right = [
            ("grant_type", "authorization_code"),
            ("client_id", "web"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ];
        let reply = exchange(&harness, &right).await;
        assert_eq!(
            reply.status, 200,
            "after {client} {redirect_uri}: {}",
            reply.body
        );
    }
    let missing_verifier = code_for(&harness, "web", &pkce_params).await["code"].clone();
    let reply = exchange(
        &harness,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "web"),
            ("code", &missing_verifier),
            ("redirect_uri", CALLBACK),
        ],
    )
    .await;
    assert_eq!(reply.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn pkce_is_required_for_public_clients_and_plain_is_refused() {
    let harness = Harness::new().await;
    let challenge = pkce();
    let cases: [&[(&str, &str)]; 4] = [
        &[],
        &[
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
        ],
        &[("code_challenge", challenge.as_str())],
        &[
            ("code_challenge", "too-short"),
            ("code_challenge_method", "S256"),
        ],
    ];
    for extra in cases {
        let query = code_query("web", extra);
        let reply = send(
            &harness.authorize(),
            Gateway::HttpApi,
            &Call::get("/authorize", &query),
        )
        .await;
        assert_eq!(reply.status, 302, "{extra:?}");
        let (target, params) = reply.redirect_query();
        assert_eq!(target, CALLBACK);
        assert_eq!(params["error"], "invalid_request", "{extra:?}");
        assert_eq!(params["state"], "st-1");
    }
}

#[tokio::test]
async fn a_confidential_client_may_skip_pkce_but_must_authenticate() {
    let harness = Harness::new().await;
    let code = code_for(&harness, "confidential-app", &[]).await["code"].clone();
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("client_id", "confidential-app"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
    ];
    let reply = exchange(&harness, &fields).await;
    assert_eq!(reply.status, 401, "no secret, no tokens");
    // That refused call did not use the code up: authentication comes first.
    fields.push(("client_secret", "app-secret"));
    let reply = exchange(&harness, &fields).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.json()["refresh_token"].is_string());

    // A verifier without a challenge is a downgrade attempt.
    let code = code_for(&harness, "confidential-app", &[]).await["code"].clone();
    let reply = exchange(
        &harness,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "confidential-app"),
            ("client_secret", "app-secret"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(reply.json()["error"], "invalid_grant");
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// The code flow as a browser runs it, naming no device: the login page,
/// then the form, with this browser's `User-Agent` and its cookies.
async fn browser_sign_in(harness: &Harness, device_cookie: Option<&str>) -> Reply {
    let router = harness.authorize();
    let challenge = pkce();
    let query = form(&[
        ("response_type", "code"),
        ("client_id", "web"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid offline_access"),
        ("state", "st-1"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let get = Call::get("/authorize", &query).header("user-agent", FIREFOX);
    let page = send(&router, Gateway::HttpApi, &get).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let fields = page.filled_login_form("ana@example.com", PASSWORD);
    let cookies = match device_cookie {
        Some(device) => format!("{}; {device}", page.cookie()),
        None => page.cookie(),
    };
    let post = Call::post(
        "/authorize",
        "application/x-www-form-urlencoded",
        &form(&fields),
    )
    .header("cookie", &cookies)
    .header("user-agent", FIREFOX);
    send(&router, Gateway::HttpApi, &post).await
}

/// Exchanges the code of a browser sign-in; the token response.
async fn exchanged(harness: &Harness, reply: &Reply) -> serde_json::Value {
    assert_eq!(reply.status, 303, "{}", reply.body);
    let (_, params) = reply.redirect_query();
    let fields = [
        ("grant_type", "authorization_code"),
        ("client_id", "web"),
        ("code", params["code"].as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let answer = exchange(harness, &fields).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

async fn devices(harness: &Harness, access: &str) -> Vec<String> {
    let call = Call::get("/api/users/usr_ana/refresh_tokens", "").bearer(access);
    let listed = send(&harness.revoke(), Gateway::HttpApi, &call)
        .await
        .json();
    let mut names: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["device_name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_code_flow_without_a_device_signs_in_this_browser() {
    let harness = Harness::new().await;
    let first = browser_sign_in(&harness, None).await;
    let set = first
        .set_cookie("oa_device")
        .expect("the browser gets an id");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let id = cookie.strip_prefix("oa_device=").unwrap().to_owned();
    assert_eq!(id.len(), 16, "{cookie}");
    let tokens = exchanged(&harness, &first).await;
    let first_refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let this_browser = format!("Firefox on Linux ({})", &id[..8]);
    assert_eq!(devices(&harness, &access).await, vec![this_browser.clone()]);

    // Again from the same browser: the same device, so the session is replaced.
    let again = browser_sign_in(&harness, Some(&cookie)).await;
    assert!(
        again.set_cookie("oa_device").is_none(),
        "the browser keeps its id"
    );
    exchanged(&harness, &again).await;
    assert_eq!(devices(&harness, &access).await, vec![this_browser.clone()]);
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", "web"),
        ("refresh_token", first_refresh.as_str()),
    ];
    assert_eq!(
        exchange(&harness, &refresh).await.json()["error"],
        "invalid_grant"
    );

    // Another browser (no cookie) is another device.
    let other = browser_sign_in(&harness, None).await;
    exchanged(&harness, &other).await;
    assert_eq!(devices(&harness, &access).await.len(), 2);
}
