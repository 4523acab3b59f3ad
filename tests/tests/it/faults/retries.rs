//! Writes that survive the SDK's own retries: the proxy applies a write but
//! answers it after the SDK's attempt timeout, so the SDK sends the same
//! write again, whose condition then meets the first attempt's own result.
//! Each write path must still answer as if nothing happened.
//!
//! They depend on timing (an answer held 1 s against a 0.8 s attempt and a
//! 2 s call budget), so they are `#[ignore]`d in the parallel suite and run
//! on their own by `scripts/test` (step `late-answers`), where the rest of
//! the suite is not competing for the two cores and for dynalite.

use serde_json::{json, Value};

use super::proxy::{Fault, FaultProxy};
use super::{code_exchange_request, login_request, router_at, table_with_users};
use crate::handlers::harness::{form, Harness, PASSWORD};
use crate::hostile::{send, Raw};

struct Retried {
    harness: Harness,
    router: axum::Router,
    proxy: FaultProxy,
}

impl Retried {
    async fn new() -> Self {
        let harness = Harness::new().await;
        let table = table_with_users(&harness).await;
        let proxy = FaultProxy::start(table.endpoint_url.as_deref().unwrap()).await;
        let (router, _) = router_at(&harness, &proxy.url, &table.table_name).await;
        Self {
            harness,
            router,
            proxy,
        }
    }

    /// Sends `raw` with the next write's answer arriving late; its answer.
    async fn late(&self, raw: Raw) -> (u16, String) {
        self.proxy.set(Fault::LateWriteAnswer);
        let answer = send(&self.router, &raw).await;
        self.proxy.set(Fault::None);
        (answer.status, answer.body)
    }

    /// Ana's tokens from the implicit flow on `device` (no fault).
    async fn tokens(&self, device: &str) -> Value {
        let request =
            login_request(&self.router, ("web", device), "ana@example.com", PASSWORD).await;
        let answer = send(&self.router, &request).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let location = answer.header("location").unwrap();
        let fragment = location.split_once('#').unwrap().1;
        let values: serde_json::Map<String, Value> =
            url::form_urlencoded::parse(fragment.as_bytes())
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect();
        Value::Object(values)
    }

    async fn refresh_status(&self, token: &str) -> u16 {
        send(&self.router, &refresh(token)).await.status
    }
}

/// The web client's refresh grant for `token`.
fn refresh(token: &str) -> Raw {
    Raw::form(
        "/oauth/token",
        form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "web"),
            ("refresh_token", token),
        ]),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing: run alone by scripts/test (late-answers)"]
async fn a_code_whose_use_is_answered_late_is_still_exchanged_once() {
    let retried = Retried::new().await;
    let exchange = code_exchange_request(&retried.router, "tablet").await;
    let (status, body) = retried.late(exchange.clone()).await;
    assert_eq!(status, 200, "the first and only use: {body}");
    let tokens: Value = serde_json::from_str(&body).unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(
        retried.refresh_status(refresh).await,
        200,
        "its session is alive"
    );
    // A real second use is still a replay.
    assert_eq!(send(&retried.router, &exchange).await.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing: run alone by scripts/test (late-answers)"]
async fn revocations_answered_late_still_say_revoked() {
    let retried = Retried::new().await;
    // The classic DELETE, by the token.
    let tokens = retried.tokens("phone").await;
    let (token, access) = (
        tokens["refresh_token"].as_str().unwrap(),
        tokens["access_token"].as_str().unwrap(),
    );
    let path = format!("/api/users/usr_ana/refresh_tokens/{token}");
    let (status, body) = retried.late(Raw::delete(path).bearer(access)).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(retried.refresh_status(token).await, 400);

    // The v2 DELETE, by the credential id.
    let tokens = retried.tokens("laptop").await;
    let token = tokens["refresh_token"].as_str().unwrap();
    let admin = retried
        .harness
        .admin_token("read:device_credentials delete:device_credentials");
    let listed = send(
        &retried.router,
        &Raw::get("/api/device-credentials?type=refresh_token&user_id=usr_ana").bearer(&admin),
    )
    .await;
    let listed: Value = serde_json::from_str(&listed.body).unwrap();
    let id = listed[0]["id"].as_str().unwrap();
    let (status, body) = retried
        .late(Raw::delete(format!("/api/device-credentials/{id}")).bearer(&admin))
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(retried.refresh_status(token).await, 400);

    // RFC 7009 answers 200 in any case; the token must be dead.
    let tokens = retried.tokens("watch").await;
    let token = tokens["refresh_token"].as_str().unwrap();
    let revoke = Raw::form(
        "/oauth/revoke",
        form(&[("token", token), ("client_id", "web")]),
    );
    assert_eq!(retried.late(revoke).await.0, 200);
    assert_eq!(retried.refresh_status(token).await, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing: run alone by scripts/test (late-answers)"]
async fn a_user_created_with_a_late_answer_is_created_not_a_conflict() {
    let retried = Retried::new().await;
    let admin = retried.harness.admin_token("create:users");
    let body = json!({"email": "late@example.com", "password": "a long and unusual passphrase"});
    let raw = Raw::post("/api/users", "application/json", body.to_string()).bearer(&admin);
    let (status, answer) = retried.late(raw.clone()).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        send(&retried.router, &raw).await.status,
        409,
        "a real second create"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing: run alone by scripts/test (late-answers)"]
async fn a_refresh_answered_late_still_rotates_once() {
    let retried = Retried::new().await;
    let tokens = retried.tokens("phone").await;
    let token = tokens["refresh_token"].as_str().unwrap();
    let (status, body) = retried.late(refresh(token)).await;
    assert_eq!(status, 200, "{body}");
    let next: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        retried
            .refresh_status(next["refresh_token"].as_str().unwrap())
            .await,
        200
    );
}
