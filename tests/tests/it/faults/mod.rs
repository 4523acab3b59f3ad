//! DynamoDB down, slow, throttling or answering garbage: every endpoint that
//! needs the store answers `503 temporarily_unavailable` with `Retry-After`
//! (the browser flow an HTML page), nothing else, and nothing stored changes.
//! The store is the real DynamoDB client, pointed at faulty endpoints.

pub mod proxy;
mod retries;

use std::sync::Arc;

use axum::Router;
use serde_json::Value;
use shared::ids::UserId;
use shared::store::dynamodb::{DynamoSettings, DynamoStore, CALL_TIMEOUT, MAX_CALLS_PER_REQUEST};
use shared::store::{Credentials, RefreshTokenRecord, Store, Users};

use crate::dynalite::fresh_table;
use crate::handlers::harness::{form, Harness, CALLBACK, PASSWORD};
use crate::hostile::{send, Answer, Raw};
use proxy::{closed_port, dropping_endpoint, Fault, FaultProxy};

/// The functions' routes over a DynamoDB store at `endpoint`, with the
/// harness's keys and clients (and its tokens, which the store never saw).
pub async fn router_at(
    harness: &Harness,
    endpoint: &str,
    table: &str,
) -> (Router, Arc<DynamoStore>) {
    let settings = DynamoSettings {
        table_name: table.to_owned(),
        endpoint_url: Some(endpoint.to_owned()),
    };
    let store = Arc::new(DynamoStore::connect(&settings).await);
    let router = local_api::router(harness.services.clone(), store.clone() as Arc<dyn Store>);
    (router, store)
}

/// A new dynalite table holding the harness's users, Ana and Bob.
pub async fn table_with_users(harness: &Harness) -> DynamoSettings {
    let table = fresh_table().await;
    let direct = DynamoStore::connect(&table).await;
    for login in ["ana@example.com", "bob@example.com"] {
        let user = harness.store.find_user(login).await.unwrap().unwrap();
        assert!(direct.create_user(&user).await.unwrap());
    }
    table
}

/// A sign-in to the web client: the login page (no store call), then the filled form.
async fn sign_in_request(router: &Router, device: &str) -> Raw {
    sign_in_request_for(router, "web", device).await
}

/// A sign-in to `client_id`: the login page (no store call), then the filled form.
pub async fn sign_in_request_for(router: &Router, client_id: &str, device: &str) -> Raw {
    login_request(router, (client_id, device), "ana@example.com", PASSWORD).await
}

/// The login form of `client_id` on `device`, filled in with `login` and `password`.
pub async fn login_request(
    router: &Router,
    (client_id, device): (&str, &str),
    login: &str,
    password: &str,
) -> Raw {
    let query = form(&[
        ("response_type", "token"),
        ("client_id", client_id),
        ("redirect_uri", CALLBACK),
        ("scope", "openid offline_access"),
        ("device", device),
    ]);
    login_form(router, &query, login, password).await
}

/// Ana signs in to the web client by the code flow with PKCE on `device`;
/// the token request that exchanges her code (RFC 6749 §4.1.3).
pub async fn code_exchange_request(router: &Router, device: &str) -> Raw {
    const VERIFIER: &str = "a-perfectly-random-verifier-of-at-least-43-characters";
    let challenge = shared::domain::pkce::challenge_of(VERIFIER);
    let query = form(&[
        ("response_type", "code"),
        ("client_id", "web"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid offline_access"),
        ("device", device),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let login = login_form(router, &query, "ana@example.com", PASSWORD).await;
    let answer = send(router, &login).await;
    let location = url::Url::parse(answer.header("location").unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    Raw::form(
        "/oauth/token",
        form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "web"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ]),
    )
}

/// The login page of the authorization request `query`, then its form
/// filled in with `login` and `password`.
pub async fn login_form(router: &Router, query: &str, login: &str, password: &str) -> Raw {
    let page = send(router, &Raw::get(format!("/authorize?{query}"))).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let cookie = page
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut fields = crate::handlers::hidden_fields(&page.body);
    fields.push(("username".into(), login.into()));
    fields.push(("password".into(), password.into()));
    Raw::form("/authorize", form(&fields)).header("cookie", &cookie)
}

/// One request to every route that needs the store; `true` marks the browser flow.
async fn every_store_route(
    harness: &Harness,
    router: &Router,
    rt: &str,
    at: &str,
) -> Vec<(String, Raw, bool)> {
    let admin =
        harness.admin_token("read:device_credentials delete:device_credentials create:users");
    let jwt_bearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    let delegation =
        serde_json::json!({"client_id": "web", "grant_type": jwt_bearer, "refresh_token": rt});
    let verifier = "v".repeat(43);
    let api = vec![
        (
            "/delegation",
            Raw::post("/delegation", "application/json", delegation.to_string()),
        ),
        (
            "refresh grant",
            Raw::form(
                "/oauth/token",
                form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", "web"),
                    ("refresh_token", rt),
                ]),
            ),
        ),
        (
            "code grant",
            Raw::form(
                "/oauth/token",
                form(&[
                    ("grant_type", "authorization_code"),
                    ("client_id", "web"),
                    ("code", &"c".repeat(43)),
                    ("redirect_uri", CALLBACK),
                    ("code_verifier", &verifier),
                ]),
            ),
        ),
        (
            "list",
            Raw::get("/api/users/usr_ana/refresh_tokens").bearer(at),
        ),
        (
            "classic revoke",
            Raw::delete(format!("/api/users/usr_ana/refresh_tokens/{rt}")).bearer(at),
        ),
        (
            "sign out everywhere",
            Raw::delete("/api/users/usr_ana/refresh_tokens").bearer(at),
        ),
        (
            "v2 list",
            Raw::get("/api/device-credentials?type=refresh_token&user_id=usr_ana").bearer(&admin),
        ),
        (
            "v2 delete",
            Raw::delete("/api/device-credentials/dcr_0123456789abcdef0123456789abcdef")
                .bearer(&admin),
        ),
        (
            "create user",
            Raw::post(
                "/api/users",
                "application/json",
                r#"{"email":"new@example.com","password":"a long enough password"}"#,
            )
            .bearer(&admin),
        ),
        (
            "RFC 7009",
            Raw::form(
                "/oauth/revoke",
                form(&[("client_id", "web"), ("token", rt)]),
            ),
        ),
        (
            "RFC 7662",
            Raw::form("/oauth/introspect", form(&[("token", rt)])).header(
                "authorization",
                "Basic Y29uZmlkZW50aWFsLWFwcDphcHAtc2VjcmV0",
            ),
        ),
        ("UserInfo", Raw::get("/userinfo").bearer(at)),
    ];
    let mut calls: Vec<(String, Raw, bool)> = api
        .into_iter()
        .map(|(n, r)| (n.to_owned(), r, false))
        .collect();
    calls.push((
        "sign-in".to_owned(),
        sign_in_request(router, "new-phone").await,
        true,
    ));
    // A well-formed sign-in cookie of Ana's: both routes must read or end it.
    let session = format!("oa_session=dXNyX2FuYQ.{}", "0".repeat(64));
    let silent = form(&[
        ("response_type", "token"),
        ("client_id", "web"),
        ("redirect_uri", CALLBACK),
        ("prompt", "none"),
    ]);
    for (name, raw) in [
        ("prompt=none", Raw::get(format!("/authorize?{silent}"))),
        ("logout", Raw::get("/oidc/logout")),
    ] {
        calls.push((name.to_owned(), raw.header("cookie", &session), true));
    }
    calls
}

fn assert_unavailable(answer: &Answer, name: &str, browser: bool) {
    let context = format!("{name}: {} {}", answer.status, answer.body);
    assert_eq!(answer.status, 503, "{context}");
    assert_eq!(answer.header("retry-after"), Some("1"), "{context}");
    assert!(answer.header("location").is_none(), "{context}");
    if browser {
        assert!(
            answer
                .header("content-type")
                .unwrap()
                .starts_with("text/html"),
            "{context}"
        );
        assert!(
            answer.body.contains("<code>temporarily_unavailable</code>"),
            "{context}"
        );
    } else {
        let body: Value = serde_json::from_str(&answer.body).expect(&context);
        assert_eq!(body["error"], "temporarily_unavailable", "{context}");
    }
}

/// Sends every call at once and checks each answer.
async fn all_unavailable(router: &Router, calls: Vec<(String, Raw, bool)>, fault: &str) {
    let answers = futures_join_all(router, &calls).await;
    for ((name, _, browser), answer) in calls.iter().zip(&answers) {
        assert_unavailable(answer, &format!("{fault}: {name}"), *browser);
    }
}

async fn futures_join_all(router: &Router, calls: &[(String, Raw, bool)]) -> Vec<Answer> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (_, raw, _)) in calls.iter().enumerate() {
        let (router, raw) = (router.clone(), raw.clone());
        tasks.spawn(async move { (index, send(&router, &raw).await) });
    }
    let mut answers: Vec<(usize, Answer)> = tasks.join_all().await;
    answers.sort_by_key(|(index, _)| *index);
    answers.into_iter().map(|(_, answer)| answer).collect()
}

async fn records(store: &dyn Credentials) -> Vec<RefreshTokenRecord> {
    let user = UserId::parse("usr_ana".into()).unwrap();
    store
        .list_credentials(&user)
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreachable_store_gets_503_on_every_route() {
    let harness = Harness::new().await;
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    for (what, endpoint) in [
        ("closed port", closed_port().await),
        ("dropped connections", dropping_endpoint().await),
    ] {
        let (router, _) = router_at(&harness, &endpoint, "offline-access").await;
        let calls = every_store_route(
            &harness,
            &router,
            &tokens["refresh_token"],
            &tokens["access_token"],
        )
        .await;
        all_unavailable(&router, calls, what).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_throttling_or_garbled_store_gets_503_and_loses_nothing() {
    let harness = Harness::new().await;
    let table = table_with_users(&harness).await;
    let dynalite = table.endpoint_url.clone().unwrap();
    let direct = DynamoStore::connect(&table).await;
    let proxy = FaultProxy::start(&dynalite).await;
    let (router, _) = router_at(&harness, &proxy.url, &table.table_name).await;
    let signed_in = send(&router, &sign_in_request(&router, "phone").await).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let location = signed_in.header("location").unwrap().to_owned();
    let fragment: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(location.split_once('#').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let before = records(&direct).await;
    assert_eq!(before.len(), 1);
    for fault in [
        Fault::Delay,
        Fault::Throttle,
        Fault::Garbage,
        Fault::BadGateway,
    ] {
        let calls = every_store_route(
            &harness,
            &router,
            &fragment["refresh_token"],
            &fragment["access_token"],
        )
        .await;
        proxy.set(fault);
        let started = std::time::Instant::now();
        all_unavailable(&router, calls, &format!("{fault:?}")).await;
        let budget = CALL_TIMEOUT * MAX_CALLS_PER_REQUEST;
        assert!(
            started.elapsed() < budget,
            "{fault:?}: gave up after {:?}",
            started.elapsed()
        );
        proxy.set(Fault::None);
        assert_eq!(
            records(&direct).await,
            before,
            "{fault:?} changed the store"
        );
    }
    // Reads work and every write fails: the sign-in finds Ana but can't write
    // her record, so it shows an error page and never redirects with a token.
    proxy.set(Fault::FailWrites);
    let answer = send(&router, &sign_in_request(&router, "tablet").await).await;
    assert_unavailable(&answer, "sign-in with failing writes", true);
    proxy.set(Fault::None);
    assert_eq!(records(&direct).await, before, "no record for the tablet");
}

/// The store's whole budget per request fits inside the functions' timeout in
/// `template.yaml`, which fits inside API Gateway's 30 s integration limit.
#[test]
fn the_store_budget_fits_inside_the_function_timeout() {
    let template = include_str!("../../../../template.yaml");
    let timeouts: Vec<u64> = template
        .lines()
        .filter_map(|line| line.trim().strip_prefix("Timeout:"))
        .map(|value| value.trim().parse().unwrap())
        .collect();
    assert!(
        !timeouts.is_empty(),
        "template.yaml sets a function timeout"
    );
    let budget = CALL_TIMEOUT * MAX_CALLS_PER_REQUEST;
    for seconds in timeouts {
        assert!(
            budget < std::time::Duration::from_secs(seconds),
            "{budget:?} vs {seconds} s"
        );
        assert!(seconds < 30, "API Gateway gives up at 30 s");
    }
}
