//! How many DynamoDB calls each operation makes, counted at the HTTP level by
//! the proxy in front of dynalite: exactly one per successful refresh, with
//! rotation on and off, through `/oauth/token` and `/delegation` alike.

use std::collections::HashMap;

use serde_json::{json, Value};

use shared::store::Credentials;

use crate::faults::proxy::FaultProxy;
use crate::faults::{login_request, router_at, sign_in_request_for, table_with_users};
use crate::handlers::harness::{form, Harness};
use crate::hostile::{send, Raw};

struct Counted {
    router: axum::Router,
    proxy: FaultProxy,
    store: std::sync::Arc<shared::store::dynamodb::DynamoStore>,
}

impl Counted {
    async fn new() -> Self {
        let harness = Harness::new().await;
        let table = table_with_users(&harness).await;
        let proxy = FaultProxy::start(table.endpoint_url.as_deref().unwrap()).await;
        let (router, store) = router_at(&harness, &proxy.url, &table.table_name).await;
        Self {
            router,
            proxy,
            store,
        }
    }

    /// Sends `raw`; its status and body, and the DynamoDB calls it made.
    async fn count(&self, raw: Raw) -> (u16, String, Vec<String>) {
        self.proxy.take_calls();
        let answer = send(&self.router, &raw).await;
        (answer.status, answer.body, self.proxy.take_calls())
    }

    async fn sign_in(&self, client: &str, device: &str) -> (HashMap<String, String>, Vec<String>) {
        let request = sign_in_request_for(&self.router, client, device).await;
        self.proxy.take_calls();
        let answer = send(&self.router, &request).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let location = answer.header("location").unwrap();
        let fragment = location.split_once('#').unwrap().1;
        let values = url::form_urlencoded::parse(fragment.as_bytes())
            .into_owned()
            .collect();
        (values, self.proxy.take_calls())
    }
}

fn refresh_grant(client: &str, token: &str) -> Raw {
    Raw::form(
        "/oauth/token",
        form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client),
            ("refresh_token", token),
        ]),
    )
}

fn delegation(client: &str, token: &str) -> Raw {
    let body = json!({"client_id": client, "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                      "refresh_token": token});
    Raw::post("/delegation", "application/json", body.to_string())
}

fn next(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_successful_refresh_is_one_dynamodb_call_with_rotation_on_and_off() {
    let counted = Counted::new().await;
    let one = vec!["UpdateItem".to_owned()];

    // Rotation on (the public web client): each refresh, and a retry inside the leeway.
    let (tokens, calls) = counted.sign_in("web", "phone").await;
    assert_eq!(
        calls,
        ["GetItem", "GetItem", "GetItem", "PutItem", "Query", "PutItem"],
        "sign-in: the user and the two failure counters side by side, the browser's sign-in, \
         the session cap, the record"
    );
    let (status, body, calls) = counted
        .count(refresh_grant("web", &tokens["refresh_token"]))
        .await;
    assert_eq!((status, &calls), (200, &one), "{body}");
    let second = next(&body);
    let (status, body, calls) = counted
        .count(refresh_grant("web", &tokens["refresh_token"]))
        .await;
    assert_eq!(
        (status, &calls),
        (200, &one),
        "a retry inside the leeway: {body}"
    );
    assert_eq!(next(&body), second);
    let (status, body, calls) = counted
        .count(delegation("web", &second).header("user-agent", "PhoneApp/2.0"))
        .await;
    assert_eq!((status, &calls), (200, &one), "{body}");
    // That one write also recorded where the refresh came from (the device details).
    let user = shared::ids::UserId::parse("usr_ana".into()).unwrap();
    let listed = counted
        .store
        .list_credentials(&user)
        .await
        .unwrap()
        .unwrap();
    let phone = listed
        .iter()
        .find(|r| r.device.as_str() == "phone")
        .unwrap();
    assert_eq!(phone.last_seen.user_agent.as_deref(), Some("PhoneApp/2.0"));

    // Rotation off (the classic app).
    let (classic, _) = counted.sign_in("classic-app", "tablet").await;
    for request in [
        refresh_grant("classic-app", &classic["refresh_token"]),
        delegation("classic-app", &classic["refresh_token"]),
    ] {
        let (status, body, calls) = counted.count(request).await;
        assert_eq!((status, &calls), (200, &one), "{body}");
    }

    // The rest, for the record. Every route that takes a bearer token first
    // reads whether it was revoked (RFC 7009): one GetItem.
    let access = &classic["access_token"];
    let (status, _, calls) = counted
        .count(Raw::get("/api/users/usr_ana/refresh_tokens").bearer(access))
        .await;
    assert_eq!(
        (status, calls),
        (200, vec!["GetItem".to_owned(), "Query".to_owned()]),
        "list"
    );
    let revoke = Raw::delete(format!(
        "/api/users/usr_ana/refresh_tokens/{}",
        classic["refresh_token"]
    ))
    .bearer(access);
    let (status, _, calls) = counted.count(revoke).await;
    assert_eq!(
        (status, calls),
        (
            204,
            vec![
                "GetItem".to_owned(),
                "GetItem".to_owned(),
                "DeleteItem".to_owned()
            ]
        ),
        "revoke by the current token: the session is read, then deleted by its \
         credential id (so a retried delete still counts as revoked)"
    );
    let rfc7009 = Raw::form(
        "/oauth/revoke",
        form(&[("client_id", "web"), ("token", &second)]),
    );
    let (status, _, calls) = counted.count(rfc7009).await;
    assert_eq!(
        (status, calls),
        (200, vec!["GetItem".to_owned(), "DeleteItem".to_owned()]),
        "RFC 7009"
    );
}

/// A failed sign-in makes the same DynamoDB calls whether or not the login
/// has an account, and so does a blocked one (which checks no password):
/// nothing in the calls, and so in their timing, tells the two apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_without_an_account_costs_the_same_calls_as_one_with_an_account() {
    let counted = Counted::new().await;
    let mut seen: HashMap<&str, Vec<Vec<String>>> = HashMap::new();
    for login in ["ana@example.com", "nobody@example.com"] {
        for _ in 0..11 {
            let raw =
                login_request(&counted.router, ("web", "phone"), login, "wrong password").await;
            let (status, _, mut calls) = counted.count(raw).await;
            calls.sort();
            seen.entry(login).or_default().push(calls);
            assert!(matches!(status, 401 | 429), "{status}");
        }
    }
    let known = &seen["ana@example.com"];
    assert_eq!(known, &seen["nobody@example.com"]);
    assert_eq!(
        known[0],
        ["GetItem", "GetItem", "GetItem", "UpdateItem", "UpdateItem"],
        "the user and both counters read side by side, then both counted"
    );
    assert_eq!(
        known[10],
        ["GetItem", "GetItem", "GetItem"],
        "blocked: read only"
    );
}

/// A DPoP-bound session's refresh is still exactly one call: the key and
/// the proof's `jti` are part of the one conditional write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dpop_bound_refresh_is_one_dynamodb_call() {
    use crate::faults::code_exchange_request;
    use crate::handlers::dpop::Holder;
    let counted = Counted::new().await;
    let holder = Holder::new();
    let exchange = code_exchange_request(&counted.router, "bound")
        .await
        .header("dpop", &holder.proof("p0"));
    let (status, body, _) = counted.count(exchange).await;
    assert_eq!(status, 200, "{body}");
    let token = next(&body);
    let refresh = refresh_grant("web", &token).header("dpop", &holder.proof("p1"));
    let (status, body, calls) = counted.count(refresh).await;
    assert_eq!(
        (status, calls),
        (200, vec!["UpdateItem".to_owned()]),
        "{body}"
    );
}
