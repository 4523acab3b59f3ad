//! Callback abuse: look-alike `redirect_uri` values never get a redirect, and
//! `state` and `device` holding CR/LF, quotes or HTML are escaped on every
//! page and redirect, and never become a header.

use super::{Case, Expect, Fixture, Raw, INJECTED_HEADER, INJECTED_HTML};
use crate::handlers::harness::{form, CALLBACK, PASSWORD};

/// Near misses of `https://app.example.com/callback`, the web client's only callback.
const LOOK_ALIKES: [&str; 18] = [
    "https://app.example.com/callbackx",
    "https://app.example.com/callback/extra",
    "https://app.example.com/callback/../callback",
    "https://app.example.com/callback%2F..%2Fevil",
    "https://app.example.com:8443/callback",
    "https://app.example.com:443/callback",
    "http://app.example.com/callback",
    "https://evil@app.example.com/callback",
    "https://app.example.com@evil.example/callback",
    "https://app.example.com/callback#frag",
    "https://app.example.com/callback?next=https://evil.example",
    "https://APP.example.com/callback",
    "https://app.example.com/CALLBACK",
    "https://app.example.com.evil.example/callback",
    "//evil.example/callback",
    "javascript:alert(1)//https://app.example.com/callback",
    "https://app.example.com/callback\r\nX-Injected: 1",
    " https://app.example.com/callback",
];

fn authorize(pairs: &[(&str, &str)]) -> Raw {
    Raw::get(format!("/authorize?{}", form(pairs)))
}

fn look_alikes() -> Vec<Case> {
    let mut cases = Vec::new();
    for uri in LOOK_ALIKES {
        for response_type in ["token", "code", "bogus"] {
            cases.push(Case::new(
                format!("redirect_uri {uri:?} with response_type {response_type}"),
                authorize(&[
                    ("response_type", response_type),
                    ("client_id", "web"),
                    ("redirect_uri", uri),
                    ("state", "s"),
                ]),
                Expect::Page(400, "invalid_request"),
            ));
        }
    }
    cases.push(Case::new(
        "redirect_uri repeated, the second one foreign",
        authorize(&[
            ("response_type", "token"),
            ("client_id", "web"),
            ("redirect_uri", CALLBACK),
            ("redirect_uri", "https://evil.example/"),
        ]),
        Expect::Page(400, "invalid_request"),
    ));
    cases.push(Case::new(
        "redirect_uri of an unknown client",
        authorize(&[
            ("response_type", "token"),
            ("client_id", "evil"),
            ("redirect_uri", CALLBACK),
        ]),
        Expect::Page(400, "invalid_request"),
    ));
    cases
}

/// `state` and `device` values built to break out of HTML or into a header.
fn poisoned() -> Vec<String> {
    vec![
        format!("s{INJECTED_HEADER}"),
        format!("\"><{INJECTED_HTML}"),
        format!("'{INJECTED_HTML}"),
        format!("</title>{INJECTED_HTML}"),
    ]
}

fn reflected_values() -> Vec<Case> {
    let mut cases = Vec::new();
    for value in poisoned() {
        let request = |state: &str, device: &str, response_type: &str| {
            authorize(&[
                ("response_type", response_type),
                ("client_id", "web"),
                ("redirect_uri", CALLBACK),
                ("scope", "openid offline_access"),
                ("state", state),
                ("device", device),
            ])
        };
        cases.push(Case::new(
            format!("login page with state {value:?}"),
            request(&value, "phone", "token"),
            Expect::LoginPage(200),
        ));
        cases.push(Case::new(
            format!("error redirect with state {value:?}"),
            request(&value, "phone", "bogus"),
            Expect::Redirect("unsupported_response_type"),
        ));
        // A device name may hold any printable text, but no control characters.
        let device_expect = if value.contains('\n') {
            Expect::Redirect("invalid_request")
        } else {
            Expect::LoginPage(200)
        };
        cases.push(Case::new(
            format!("login page with device {value:?}"),
            request("s", &value, "token"),
            device_expect,
        ));
        cases.push(Case::new(
            format!("error page with state {value:?} and no callback"),
            authorize(&[("client_id", "evil"), ("state", &value)]),
            Expect::Page(400, "invalid_request"),
        ));
    }
    cases
}

/// A real login form whose hidden request was altered, or whose password is
/// wrong while `state` carries an injection: refused, nothing issued.
async fn altered_forms(fixture: &Fixture) -> Vec<Case> {
    let mut cases = Vec::new();
    for value in poisoned() {
        let page = fixture
            .send(&authorize(&[
                ("response_type", "token"),
                ("client_id", "web"),
                ("redirect_uri", CALLBACK),
                ("scope", "openid offline_access"),
                ("state", &value),
                ("device", "phone"),
            ]))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        let cookie = page.headers["set-cookie"].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let hidden = crate::handlers::hidden_fields(&page.body);
        let submit = |fields: &[(String, String)]| {
            Raw::form("/authorize", form(fields)).header("cookie", &cookie)
        };
        let mut wrong = hidden.clone();
        wrong.extend([
            ("username".to_owned(), "ana@example.com".to_owned()),
            ("password".to_owned(), "wrong password".to_owned()),
        ]);
        cases.push(Case::new(
            format!("wrong password with state {value:?}"),
            submit(&wrong),
            Expect::LoginPage(401),
        ));
        let mut moved = hidden.clone();
        for field in &mut moved {
            if field.0 == "redirect_uri" {
                field.1 = "https://evil.example/callback".into();
            }
        }
        moved.extend([
            ("username".to_owned(), "ana@example.com".to_owned()),
            ("password".to_owned(), PASSWORD.to_owned()),
        ]);
        cases.push(Case::new(
            format!("form with its redirect_uri moved, state {value:?}"),
            submit(&moved),
            Expect::Page(400, "invalid_request"),
        ));
    }
    cases
}

pub async fn cases(fixture: &Fixture) -> Vec<Case> {
    let mut cases = look_alikes();
    cases.extend(reflected_values());
    cases.extend(altered_forms(fixture).await);
    cases
}
