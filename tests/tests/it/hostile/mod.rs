//! The hostile-input suite. Every case is one raw HTTP request sent through
//! all routes of the service (the local server's merged router over the
//! in-memory store). Each case asserts its exact status and error code, that
//! no 5xx occurs, that a redirect only ever goes to a registered callback,
//! that the answer echoes no secret, and that the store is unchanged.

mod bearer;
mod bodies;
mod callbacks;
mod dpop;
mod refresh;

use std::collections::HashMap;

use axum::body::Body;
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::handlers::harness::{Harness, CALLBACK, PASSWORD};

/// HTML a case plants in a reflected value.
pub const INJECTED_HTML: &str = "<script>alert(1)</script>";
/// A header a case tries to inject through a reflected value.
pub const INJECTED_HEADER: &str = "\r\nX-Injected: 1\r\n";

/// One raw request: anything a client can put on the wire.
#[derive(Debug, Clone)]
pub struct Raw {
    pub method: &'static str,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn get(uri: impl Into<String>) -> Self {
        Self {
            method: "GET",
            uri: uri.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn delete(uri: impl Into<String>) -> Self {
        Self {
            method: "DELETE",
            ..Self::get(uri)
        }
    }

    pub fn post(uri: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            method: "POST",
            body: body.into(),
            ..Self::get(uri)
        }
        .header("content-type", content_type)
    }

    pub fn form(uri: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::post(uri, "application/x-www-form-urlencoded", body)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
}

/// What a hostile request must get.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// An OAuth JSON error `{"error","error_description"}` with this status and code.
    Json(u16, &'static str),
    /// The browser flow's HTML error page with this status and code.
    Page(u16, &'static str),
    /// A redirect to the registered callback carrying this error code.
    Redirect(&'static str),
    /// The login page again (a refused sign-in), with this status.
    LoginPage(u16),
    /// A success that reveals nothing (RFC 7009 §2.2 answers 200 to unknown tokens).
    Empty(u16),
}

pub struct Case {
    pub name: String,
    pub request: Raw,
    pub expect: Expect,
}

impl Case {
    pub fn new(name: impl Into<String>, request: Raw, expect: Expect) -> Self {
        Self {
            name: name.into(),
            request,
            expect,
        }
    }
}

/// A harness with Ana and Bob signed in, and their tokens.
pub struct Fixture {
    pub harness: Harness,
    pub router: Router,
    pub ana: HashMap<String, String>,
    pub bob: HashMap<String, String>,
}

impl Fixture {
    pub async fn new() -> Self {
        let harness = Harness::new().await;
        let ana = harness.tokens_for("ana@example.com", "phone").await;
        let bob = harness.tokens_for("bob@example.com", "laptop").await;
        let router = local_api::router(harness.services.clone(), harness.store.clone());
        Self {
            harness,
            router,
            ana,
            bob,
        }
    }

    /// Every secret the fixture knows: none may appear in an answer or a log.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = [&self.ana, &self.bob]
            .iter()
            .flat_map(|tokens| {
                ["access_token", "id_token", "refresh_token"]
                    .iter()
                    .filter_map(|k| tokens.get(*k).cloned())
            })
            .collect();
        secrets.extend([
            PASSWORD.to_owned(),
            "admin-secret".to_owned(),
            "app-secret".to_owned(),
        ]);
        secrets
    }

    pub async fn send(&self, raw: &Raw) -> Answer {
        send(&self.router, raw).await
    }

    /// Sends one case and checks it; panics naming it if it misbehaves.
    pub async fn check(&self, case: &Case) -> Answer {
        let before = self.harness.store.snapshot().unwrap();
        let answer = self.send(&case.request).await;
        let after = self.harness.store.snapshot().unwrap();
        let name = &case.name;
        assert!(
            answer.status < 500,
            "{name}: {} {}",
            answer.status,
            answer.body
        );
        answer.check(case.expect, name, case.request.method);
        answer.check_redirect_target(name);
        answer.check_injection(name);
        for secret in self.secrets() {
            assert!(
                !answer.body.contains(secret.as_str()),
                "{name}: echoes a secret"
            );
        }
        assert!(before == after, "{name}: the store changed");
        answer
    }

    /// Runs every case. Returns how many ran.
    pub async fn run(&self, cases: &[Case]) -> usize {
        for case in cases {
            self.check(case).await;
        }
        cases.len()
    }

    /// Every group of cases; the total is what the README quotes.
    pub async fn run_all(&self) -> usize {
        let mut total = 0;
        for cases in [
            bodies::cases(self).await,
            callbacks::cases(self).await,
            bearer::cases(self).await,
            refresh::cases(self).await,
            dpop::cases(self).await,
        ] {
            total += self.run(&cases).await;
        }
        total
    }
}

/// Sends a raw request through a router.
pub async fn send(router: &Router, raw: &Raw) -> Answer {
    let mut builder = http::Request::builder()
        .method(raw.method)
        .uri(raw.uri.as_str());
    for (name, value) in &raw.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let request = builder.body(Body::from(raw.body.clone())).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// What the service answered.
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }

    fn check(&self, expect: Expect, name: &str, method: &str) {
        let context = format!(
            "{name}: got {} {:?} {}",
            self.status,
            self.header("location"),
            self.body
        );
        match expect {
            Expect::Json(status, code) => {
                assert_eq!(self.status, status, "{context}");
                assert!(
                    self.content_type().starts_with("application/json"),
                    "{context}"
                );
                let body: Value = serde_json::from_str(&self.body).expect(&context);
                assert_eq!(body["error"], code, "{context}");
                assert!(body["error_description"].is_string(), "{context}");
            }
            Expect::Page(status, code) => {
                assert_eq!(self.status, status, "{context}");
                assert!(self.content_type().starts_with("text/html"), "{context}");
                assert!(
                    self.body.contains(&format!("<code>{code}</code>")),
                    "{context}"
                );
                assert!(self.header("location").is_none(), "{context}");
            }
            Expect::Redirect(code) => {
                // RFC 9700 §4.12: 303 answers the login form's POST.
                let status = if method == "POST" { 303 } else { 302 };
                assert_eq!(self.status, status, "{context}");
                let location = self.header("location").expect(&context);
                let params = location.split_once(['?', '#']).expect(&context).1;
                let error = url::form_urlencoded::parse(params.as_bytes())
                    .find(|(k, _)| k == "error")
                    .map(|(_, v)| v.into_owned());
                assert_eq!(error.as_deref(), Some(code), "{context}");
                assert!(!location.contains("access_token"), "{context}");
            }
            Expect::LoginPage(status) => {
                assert_eq!(self.status, status, "{context}");
                assert!(self.body.contains("<form"), "{context}");
            }
            Expect::Empty(status) => {
                assert_eq!(self.status, status, "{context}");
                assert!(self.body.is_empty() || self.body == "{}", "{context}");
            }
        }
    }

    /// Markers the cases plant in `state` and `device`: they may never come
    /// back unescaped in a page, nor as a header of their own.
    fn check_injection(&self, name: &str) {
        assert!(!self.body.contains(INJECTED_HTML), "{name}: HTML injected");
        assert!(
            !self.headers.contains_key("x-injected"),
            "{name}: header injected"
        );
        for value in self.headers.values() {
            let text = String::from_utf8_lossy(value.as_bytes());
            assert!(
                !text.contains('\n') && !text.contains('\r'),
                "{name}: CR/LF in a header"
            );
        }
    }

    /// A redirect may only go to a registered callback, exactly.
    fn check_redirect_target(&self, name: &str) {
        if let Some(location) = self.header("location") {
            let target = location.split(['?', '#']).next().unwrap_or_default();
            assert_eq!(target, CALLBACK, "{name}: redirected to {location}");
        }
    }
}

#[tokio::test]
async fn every_hostile_request_gets_its_exact_error_and_changes_nothing() {
    let fixture = Fixture::new().await;
    let total = fixture.run_all().await;
    println!("hostile cases: {total}");
    assert!(total >= 100, "the suite shrank to {total} cases");
}
