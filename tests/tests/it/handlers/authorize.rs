//! `/authorize` and `/.well-known/jwks.json` through the authorize handler.

use super::harness::{form, send, Call, Gateway, Harness, BOTH, CALLBACK, PASSWORD};

fn query(pairs: &[(&str, &str)]) -> String {
    let mut all = vec![
        ("response_type", "token"),
        ("client_id", "web"),
        ("redirect_uri", CALLBACK),
    ];
    for (k, v) in pairs {
        all.retain(|(name, _)| name != k);
        if !v.is_empty() {
            all.push((k, v));
        }
    }
    form(&all)
}

const OFFLINE: [(&str, &str); 4] = [
    ("scope", "openid profile email offline_access"),
    ("device", "Ana's phone"),
    ("state", "st"),
    ("nonce", "nn"),
];

#[tokio::test]
async fn the_login_page_carries_the_request_and_the_security_headers() {
    let harness = Harness::new().await;
    for gateway in BOTH {
        let page = send(
            &harness.authorize(),
            gateway,
            &Call::get("/authorize", &query(&OFFLINE)),
        )
        .await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("name=\"username\"") && page.body.contains("name=\"password\""));
        assert!(
            page.body.contains("Web &lt;App&gt;"),
            "client names are escaped"
        );
        let fields = page.hidden_fields();
        assert!(fields
            .iter()
            .any(|(k, v)| k == "device" && v == "Ana's phone"));
        assert!(fields.iter().any(|(k, _)| k == "login_form_token"));
        assert!(page
            .header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(page.header("x-frame-options"), Some("DENY"));
        assert_eq!(page.header("cache-control"), Some("no-store"));
        assert!(page.header("set-cookie").unwrap().contains("HttpOnly"));
    }
}

#[tokio::test]
async fn signing_in_redirects_with_tokens_and_a_refresh_token_in_the_fragment() {
    let harness = Harness::new().await;
    for gateway in BOTH {
        let reply = harness
            .sign_in(gateway, &query(&OFFLINE), "ana@example.com", PASSWORD)
            .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert!(reply
            .header("location")
            .unwrap()
            .starts_with(&format!("{CALLBACK}#")));
        let fragment = reply.fragment();
        for key in ["access_token", "id_token", "refresh_token", "expires_in"] {
            assert!(
                fragment.contains_key(key),
                "{key} missing from {fragment:?}"
            );
        }
        assert_eq!(fragment["token_type"], "Bearer");
        assert_eq!(fragment["state"], "st");
        assert!(fragment["refresh_token"].starts_with("rt2.t1."), "sealed");
        assert_eq!(fragment["iss"], "https://auth.example.com/", "RFC 9207 §2");
    }
}

#[tokio::test]
async fn no_refresh_token_without_offline_access_or_for_a_client_that_may_not_have_one() {
    let harness = Harness::new().await;
    let plain = query(&[("scope", "openid"), ("state", "st")]);
    let fragment = harness
        .sign_in(Gateway::HttpApi, &plain, "ana@example.com", PASSWORD)
        .await
        .fragment();
    assert!(fragment.contains_key("id_token") && !fragment.contains_key("refresh_token"));

    let mut pairs = OFFLINE.to_vec();
    pairs.push(("client_id", "no-refresh"));
    let fragment = harness
        .sign_in(
            Gateway::HttpApi,
            &query(&pairs),
            "ana@example.com",
            PASSWORD,
        )
        .await
        .fragment();
    assert!(fragment.contains_key("access_token") && !fragment.contains_key("refresh_token"));
}

#[tokio::test]
async fn a_wrong_password_shows_the_page_again_with_401_and_issues_nothing() {
    let harness = Harness::new().await;
    for (login, password) in [
        ("ana@example.com", "wrong"),
        ("nobody@example.com", PASSWORD),
    ] {
        let reply = harness
            .sign_in(Gateway::HttpApi, &query(&OFFLINE), login, password)
            .await;
        assert_eq!(reply.status, 401);
        assert!(reply.body.contains("Wrong email or password."));
        assert!(
            reply.body.contains(&format!("value=\"{login}\"")),
            "the login is kept"
        );
        assert!(reply.header("location").is_none());
    }
    let ana = shared::ids::UserId::parse("usr_ana".into()).unwrap();
    let listed = shared::store::Credentials::list_credentials(harness.store.as_ref(), &ana)
        .await
        .unwrap();
    assert_eq!(listed, Some(vec![]));
}

#[tokio::test]
async fn an_unknown_client_or_unregistered_callback_gets_an_error_page_and_no_redirect() {
    let harness = Harness::new().await;
    let cases = [
        query(&[("client_id", "nope")]),
        query(&[("client_id", "")]),
        query(&[("redirect_uri", "https://evil.example.com/callback")]),
        query(&[("redirect_uri", "https://app.example.com/callback/extra")]),
        query(&[("redirect_uri", "")]),
        format!("{}&client_id=web", query(&[])),
    ];
    for gateway in BOTH {
        for case in &cases {
            let reply = send(
                &harness.authorize(),
                gateway,
                &Call::get("/authorize", case),
            )
            .await;
            assert_eq!(reply.status, 400, "{case}");
            assert!(reply.header("location").is_none(), "{case}");
            assert!(reply
                .header("content-type")
                .unwrap()
                .starts_with("text/html"));
        }
    }
}

#[tokio::test]
async fn request_errors_go_back_in_the_fragment_with_the_state() {
    let harness = Harness::new().await;
    let cases = [
        (
            query(&[("scope", "openid offline_access"), ("state", "st")]),
            "invalid_request",
        ),
        (
            query(&[("response_type", "id_token"), ("state", "st")]),
            "unsupported_response_type",
        ),
        (
            query(&[("response_type", ""), ("state", "st")]),
            "invalid_request",
        ),
        (
            query(&[("scope", "openid admin"), ("state", "st")]),
            "invalid_scope",
        ),
        (
            query(&[("client_id", "no-implicit"), ("state", "st")]),
            "unauthorized_client",
        ),
        (
            format!("{}&nonce=a&nonce=b", query(&[("state", "st")])),
            "invalid_request",
        ),
        (
            query(&[("request", "eyJhbGciOiJub25lIn0.e30."), ("state", "st")]),
            "request_not_supported",
        ),
        (
            query(&[
                ("request_uri", "https://rp.example/req.jwt"),
                ("state", "st"),
            ]),
            "request_uri_not_supported",
        ),
    ];
    for (case, code) in cases {
        let reply = send(
            &harness.authorize(),
            Gateway::HttpApi,
            &Call::get("/authorize", &case),
        )
        .await;
        assert_eq!(reply.status, 302, "{case}");
        let fragment = reply.fragment();
        assert_eq!(fragment["error"], code, "{case}");
        assert_eq!(fragment["state"], "st");
        assert!(!fragment["error_description"].is_empty());
        assert_eq!(
            fragment["iss"], "https://auth.example.com/",
            "RFC 9207 §2: {case}"
        );
    }
}

#[tokio::test]
async fn a_form_without_its_cookie_or_with_a_changed_request_is_refused() {
    let harness = Harness::new().await;
    let router = harness.authorize();
    let page = send(
        &router,
        Gateway::HttpApi,
        &Call::get("/authorize", &query(&OFFLINE)),
    )
    .await;
    let fields = page.filled_login_form("ana@example.com", PASSWORD);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let no_cookie = Call::post(
        "/authorize",
        "application/x-www-form-urlencoded",
        &form(&pairs),
    );
    let reply = send(&router, Gateway::HttpApi, &no_cookie).await;
    assert_eq!(reply.status, 400);
    assert!(reply.header("location").is_none());

    let changed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| {
            if *k == "device" {
                (*k, "another device")
            } else {
                (*k, *v)
            }
        })
        .collect();
    let call = Call::post(
        "/authorize",
        "application/x-www-form-urlencoded",
        &form(&changed),
    )
    .header("cookie", &page.cookie());
    let reply = send(&router, Gateway::HttpApi, &call).await;
    assert_eq!(reply.status, 400);
    assert!(reply.header("location").is_none());
}

#[tokio::test]
async fn a_login_post_that_is_not_a_form_is_refused_with_a_page() {
    let harness = Harness::new().await;
    let call = Call::post("/authorize", "application/json", "{}");
    let reply = send(&harness.authorize(), Gateway::Rest, &call).await;
    assert_eq!(reply.status, 400);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
}

#[tokio::test]
async fn the_jwks_publishes_the_key_that_signs_the_id_token() {
    let harness = Harness::new().await;
    let fragment = harness.tokens_for("ana@example.com", "phone").await;
    let reply = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/.well-known/jwks.json", ""),
    )
    .await;
    assert_eq!(reply.status, 200);
    let jwks = reply.json();
    let header = fragment["id_token"].split('.').next().unwrap().to_owned();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).unwrap(),
    )
    .unwrap();
    assert_eq!(jwks["keys"][0]["kid"], header["kid"]);
    assert_eq!(jwks["keys"][0]["kty"], "EC");
    assert!(jwks["keys"][0].get("d").is_none());
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_oauth_json() {
    let harness = Harness::new().await;
    let reply = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/nope", ""),
    )
    .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["error"], "not_found");
    let reply = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::delete("/authorize"),
    )
    .await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.json()["error"], "invalid_request");
}

#[tokio::test]
async fn a_client_that_lists_no_grants_gets_the_code_flow_and_not_the_legacy_ones() {
    let harness = Harness::new().await;
    let implicit = query(&[("client_id", "modern"), ("state", "st")]);
    let reply = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/authorize", &implicit),
    )
    .await;
    assert_eq!(reply.status, 302, "{}", reply.body);
    assert_eq!(reply.fragment()["error"], "unauthorized_client");
    let code = query(&[
        ("client_id", "modern"),
        ("response_type", "code"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
    ]);
    let reply = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/authorize", &code),
    )
    .await;
    assert_eq!(reply.status, 200, "the login page: {}", reply.body);
    let delegation = Call::post(
        "/delegation",
        "application/json",
        &serde_json::json!({"client_id": "modern", "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "id_token": "x"}).to_string(),
    );
    let reply = send(&harness.delegation(), Gateway::HttpApi, &delegation).await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
}

#[tokio::test]
async fn response_mode_form_post_posts_the_answer_and_query_never_carries_tokens() {
    let harness = Harness::new().await;
    // form_post: the page's form posts the tokens to the callback, by a
    // script the CSP allows by hash, and nothing rides the URL.
    let reply = harness
        .sign_in(
            Gateway::HttpApi,
            &query(&[
                ("response_mode", "form_post"),
                ("state", "st"),
                ("scope", "openid"),
            ]),
            "ana@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.header("location").is_none());
    assert!(
        reply
            .body
            .contains(&format!("<form method=\"post\" action=\"{CALLBACK}\">")),
        "{}",
        reply.body
    );
    for name in ["access_token", "id_token", "state", "iss"] {
        assert!(
            reply
                .body
                .contains(&format!("type=\"hidden\" name=\"{name}\"")),
            "{name}"
        );
    }
    let csp = reply.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(
        csp.contains("form-action 'self' https://app.example.com"),
        "{csp}"
    );

    // Errors take the requested mode too.
    let error = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get(
            "/authorize",
            &query(&[("response_mode", "form_post"), ("scope", "openid admin")]),
        ),
    )
    .await;
    assert_eq!(error.status, 200);
    assert!(
        error
            .body
            .contains("name=\"error\" value=\"invalid_scope\""),
        "{}",
        error.body
    );

    // The code flow's code may go in the fragment; tokens never in the query.
    let code = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get(
            "/authorize",
            &query(&[
                ("response_type", "code"),
                ("response_mode", "fragment"),
                ("scope", "sudo"),
            ]),
        ),
    )
    .await;
    assert!(code
        .header("location")
        .unwrap()
        .starts_with(&format!("{CALLBACK}#")));
    for (mode, error) in [
        ("query", "invalid_request"),
        ("web_message", "invalid_request"),
    ] {
        let reply = send(
            &harness.authorize(),
            Gateway::HttpApi,
            &Call::get(
                "/authorize",
                &query(&[("response_mode", mode), ("state", "st")]),
            ),
        )
        .await;
        assert_eq!(reply.status, 302, "{mode}");
        let location = reply.header("location").unwrap();
        assert!(
            location.starts_with(&format!("{CALLBACK}#")),
            "{mode}: {location}"
        );
        assert_eq!(reply.fragment()["error"], error, "{mode}");
    }
}

#[tokio::test]
async fn an_authorization_request_by_post_works_like_get_and_stays_apart_from_the_form() {
    let harness = Harness::new().await;
    let post = |body: &str| Call::post("/authorize", "application/x-www-form-urlencoded", body);
    // OIDC Core §3.1.2.1: the same request by POST shows the same login page.
    let by_get = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/authorize", &query(&OFFLINE)),
    )
    .await;
    let by_post = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &post(&query(&OFFLINE)),
    )
    .await;
    assert_eq!(by_post.status, 200, "{}", by_post.body);
    let without_token = |reply: &super::harness::Reply| -> Vec<(String, String)> {
        reply
            .hidden_fields()
            .into_iter()
            .filter(|(k, _)| k != "login_form_token")
            .collect()
    };
    assert_eq!(without_token(&by_post), without_token(&by_get));
    // Its errors go back to the callback, with 303 after a POST.
    let refused = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &post(&query(&[("scope", "openid admin"), ("state", "st")])),
    )
    .await;
    assert_eq!(refused.status, 303);
    assert_eq!(refused.fragment()["error"], "invalid_scope");
    // A login form that lost its token is still the login form: refused.
    let forged = post(&format!(
        "{}&username=ana%40example.com&password=x",
        query(&OFFLINE)
    ));
    let reply = send(&harness.authorize(), Gateway::HttpApi, &forged).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
}
