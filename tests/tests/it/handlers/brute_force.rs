//! Brute-force protection on the login form: per (login, address) and per
//! login, the same for logins with and without an account, the password not
//! checked while blocked, and the address taken from API Gateway's context.

use shared::store::{FailureKey, SignInFailures};

use super::harness::{form, send, Call, Gateway, Harness, Reply, CALLBACK, PASSWORD};

const HOME: &str = "198.51.100.7";
const AWAY: &str = "203.0.113.9";

fn query() -> String {
    form(&[
        ("response_type", "token"),
        ("client_id", "web"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid"),
        ("state", "s1"),
    ])
}

/// The login page, then its form with `login` and `password`, from `address`.
async fn attempt(harness: &Harness, login: &str, password: &str, address: &str) -> Reply {
    harness
        .sign_in_from(Gateway::HttpApi, &query(), (login, password), Some(address))
        .await
}

/// A blocked answer: the login page, `429`, `Retry-After`, no sign-in.
fn assert_blocked(reply: &Reply, at_most: u64) {
    assert_eq!(reply.status, 429, "{}", reply.body);
    let retry: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=at_most).contains(&retry), "Retry-After {retry}");
    assert!(
        reply.body.contains("Too many failed sign-ins"),
        "{}",
        reply.body
    );
    assert!(reply.header("location").is_none());
    assert!(reply.set_cookie("oa_session").is_none());
}

#[tokio::test]
async fn ten_failures_from_one_address_block_that_pair_only() {
    let harness = Harness::new().await;
    for n in 1..=10 {
        let reply = attempt(&harness, "ana@example.com", "wrong password", HOME).await;
        assert_eq!(reply.status, 401, "failure {n} is still checked");
    }
    // The right password is not even checked now.
    let blocked = attempt(&harness, "ana@example.com", PASSWORD, HOME).await;
    assert_blocked(&blocked, 900);
    // Another address, and another account from the same address, are not affected.
    assert_eq!(
        attempt(&harness, "ana@example.com", PASSWORD, AWAY)
            .await
            .status,
        303
    );
    assert_eq!(
        attempt(&harness, "bob@example.com", PASSWORD, HOME)
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn a_success_resets_its_address_counter() {
    let harness = Harness::new().await;
    for _ in 0..9 {
        attempt(&harness, "ana@example.com", "wrong password", HOME).await;
    }
    assert_eq!(
        attempt(&harness, "ana@example.com", PASSWORD, HOME)
            .await
            .status,
        303
    );
    let key = FailureKey::address("ana@example.com", HOME);
    assert_eq!(harness.store.failures(&key, now()).await.unwrap(), None);
    for _ in 0..9 {
        let reply = attempt(&harness, "ana@example.com", "wrong password", HOME).await;
        assert_eq!(reply.status, 401);
    }
    // The account's counter is not reset by a success.
    let account = FailureKey::account("ana@example.com");
    let counted = harness
        .store
        .failures(&account, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(counted.count, 18);
}

#[tokio::test]
async fn the_account_limit_blocks_every_address() {
    let harness = Harness::with_vars(&[
        ("SIGN_IN_FAILURES_PER_ACCOUNT", "4"),
        ("SIGN_IN_ACCOUNT_WINDOW_SECONDS", "600"),
    ])
    .await;
    for address in ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"] {
        let reply = attempt(&harness, "ana@example.com", "wrong password", address).await;
        assert_eq!(reply.status, 401);
    }
    assert_blocked(
        &attempt(&harness, "ana@example.com", PASSWORD, AWAY).await,
        600,
    );
    assert_eq!(
        attempt(&harness, "bob@example.com", PASSWORD, AWAY)
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn a_login_without_an_account_is_answered_like_one_with_an_account() {
    let harness = Harness::new().await;
    for n in 1..=11 {
        let known = attempt(&harness, "ana@example.com", "wrong password", HOME).await;
        let unknown = attempt(&harness, "nobody@example.com", "wrong password", HOME).await;
        assert_eq!(known.status, unknown.status, "attempt {n}");
        assert_eq!(
            known.header("retry-after").is_some(),
            unknown.header("retry-after").is_some()
        );
        let unknown_page = unknown
            .body
            .replace("nobody@example.com", "ana@example.com");
        assert_eq!(
            strip_tokens(&known.body),
            strip_tokens(&unknown_page),
            "attempt {n}"
        );
    }
}

/// The page without its per-render form token.
fn strip_tokens(page: &str) -> String {
    page.split("name=\"login_form_token\" value=\"")
        .enumerate()
        .map(|(i, part)| match i {
            0 => part.to_owned(),
            _ => part
                .split_once('"')
                .map_or(part, |(_, rest)| rest)
                .to_owned(),
        })
        .collect()
}

#[tokio::test]
async fn a_refused_form_is_not_counted_and_the_rest_api_gateway_address_is_used() {
    let harness = Harness::new().await;
    // A form without its cookie never reaches the password check.
    let page = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/authorize", &query()),
    )
    .await;
    let fields = page.filled_login_form("ana@example.com", "wrong password");
    let call = Call::post(
        "/authorize",
        "application/x-www-form-urlencoded",
        &form(&fields),
    );
    assert_eq!(
        send(&harness.authorize(), Gateway::HttpApi, &call)
            .await
            .status,
        400
    );
    let account = FailureKey::account("ana@example.com");
    assert_eq!(harness.store.failures(&account, now()).await.unwrap(), None);

    // A REST API's identity.sourceIp is the address that is counted.
    let reply = harness
        .sign_in_from(
            Gateway::Rest,
            &query(),
            ("ana@example.com", "wrong password"),
            Some(AWAY),
        )
        .await;
    assert_eq!(reply.status, 401);
    let pair = FailureKey::address("ana@example.com", AWAY);
    assert_eq!(
        harness
            .store
            .failures(&pair, now())
            .await
            .unwrap()
            .unwrap()
            .count,
        1
    );
}

fn now() -> u64 {
    shared::domain::now()
}
