//! Malformed and oversized requests: bodies, content types, encodings,
//! repeated parameters, size limits, methods and routes.

use shared::domain::authorize::MAX_STATE_LEN;
use shared::http::params::MAX_VALUE_LEN;
use shared::http::MAX_BODY_BYTES;

use super::{Case, Expect, Fixture, Raw};
use crate::handlers::harness::{form, CALLBACK};

const BAD: Expect = Expect::Json(400, "invalid_request");
const TOO_LARGE: Expect = Expect::Json(413, "invalid_request");
const BAD_PAGE: Expect = Expect::Page(400, "invalid_request");

/// The JSON and form endpoints that take a body.
const BODY_ENDPOINTS: [&str; 4] = [
    "/delegation",
    "/oauth/token",
    "/oauth/revoke",
    "/oauth/introspect",
];

fn malformed(endpoint: &str) -> Vec<Case> {
    let named = |what: &str| format!("{endpoint}: {what}");
    vec![
        Case::new(
            named("JSON cut short"),
            Raw::post(endpoint, "application/json", r#"{"client_id":"#),
            BAD,
        ),
        Case::new(
            named("JSON array"),
            Raw::post(endpoint, "application/json", r#"["client_id"]"#),
            BAD,
        ),
        Case::new(
            named("JSON number value"),
            Raw::post(endpoint, "application/json", r#"{"client_id":7}"#),
            BAD,
        ),
        Case::new(
            named("JSON nested object"),
            Raw::post(endpoint, "application/json", r#"{"client_id":{"$ne":""}}"#),
            BAD,
        ),
        Case::new(
            named("JSON trailing garbage"),
            Raw::post(endpoint, "application/json", r#"{"client_id":"web"} x"#),
            BAD,
        ),
        Case::new(
            named("JSON invalid UTF-8"),
            Raw::post(
                endpoint,
                "application/json",
                b"{\"client_id\":\"\xff\xfe\"}".to_vec(),
            ),
            BAD,
        ),
        Case::new(
            named("JSON repeated key"),
            Raw::post(
                endpoint,
                "application/json",
                r#"{"client_id":"web","client_id":"admin"}"#,
            ),
            BAD,
        ),
        Case::new(
            named("no Content-Type"),
            Raw {
                method: "POST",
                uri: endpoint.into(),
                headers: vec![],
                body: b"client_id=web".to_vec(),
            },
            BAD,
        ),
        Case::new(
            named("text/plain"),
            Raw::post(endpoint, "text/plain", "client_id=web"),
            BAD,
        ),
        Case::new(
            named("multipart"),
            Raw::post(endpoint, "multipart/form-data; boundary=x", "--x--"),
            BAD,
        ),
        Case::new(
            named("form declared as JSON"),
            Raw::post(
                endpoint,
                "application/json",
                "client_id=web&grant_type=refresh_token",
            ),
            BAD,
        ),
        Case::new(
            named("bad percent-encoding"),
            Raw::form(endpoint, "client_id=%zz"),
            BAD,
        ),
        Case::new(
            named("truncated percent-encoding"),
            Raw::form(endpoint, "client_id=web%2"),
            BAD,
        ),
        Case::new(
            named("percent-encoded invalid UTF-8"),
            Raw::form(endpoint, "client_id=%ff%fe"),
            BAD,
        ),
        Case::new(
            named("raw invalid UTF-8"),
            Raw::form(endpoint, b"client_id=\xc3\x28".to_vec()),
            BAD,
        ),
        Case::new(
            named("repeated client_id"),
            Raw::form(
                endpoint,
                "client_id=web&client_id=admin&token=x&grant_type=refresh_token&refresh_token=x",
            ),
            BAD,
        ),
        Case::new(
            named("too many parameters"),
            Raw::form(
                endpoint,
                (0..65)
                    .map(|i| format!("p{i}=1"))
                    .collect::<Vec<_>>()
                    .join("&"),
            ),
            BAD,
        ),
        Case::new(
            named("a value past its limit"),
            Raw::form(
                endpoint,
                format!("client_id=web&pad={}", "a".repeat(MAX_VALUE_LEN + 1)),
            ),
            BAD,
        ),
        Case::new(
            named("a body past the limit"),
            Raw::form(endpoint, "a".repeat(MAX_BODY_BYTES + 1)),
            TOO_LARGE,
        ),
        Case::new(
            named("a JSON body past the limit"),
            Raw::post(
                endpoint,
                "application/json",
                format!(r#"{{"a":"{}"}}"#, "a".repeat(MAX_BODY_BYTES)),
            ),
            TOO_LARGE,
        ),
    ]
}

/// A form of exactly `MAX_BODY_BYTES`: accepted by the size limit, so it
/// fails on its (malformed) refresh token instead.
fn body_at_the_limit() -> Vec<u8> {
    let mut body = String::from("grant_type=refresh_token&client_id=web&refresh_token=rt1.x.y");
    let mut pad = 0;
    while body.len() < MAX_BODY_BYTES {
        let room = MAX_BODY_BYTES - body.len();
        let filler = format!("&p{pad}=");
        let value_len = room.saturating_sub(filler.len()).min(MAX_VALUE_LEN);
        body.push_str(&filler);
        body.push_str(&"a".repeat(value_len));
        pad += 1;
    }
    body.truncate(MAX_BODY_BYTES);
    body.into_bytes()
}

fn login_form_abuse() -> Vec<Case> {
    vec![
        Case::new(
            "POST /authorize: JSON",
            Raw::post("/authorize", "application/json", r#"{"username":"a"}"#),
            BAD_PAGE,
        ),
        Case::new(
            "POST /authorize: invalid UTF-8",
            Raw::form("/authorize", b"username=\xff".to_vec()),
            BAD_PAGE,
        ),
        Case::new(
            "POST /authorize: no anti-forgery token",
            Raw::form("/authorize", "username=ana%40example.com&password=x"),
            BAD_PAGE,
        ),
        Case::new(
            "POST /authorize: past the size limit",
            Raw::form("/authorize", "a".repeat(MAX_BODY_BYTES + 1)),
            Expect::Page(413, "invalid_request"),
        ),
        Case::new(
            "GET /authorize: bad percent-encoding",
            Raw::get("/authorize?client_id=%zz"),
            BAD_PAGE,
        ),
        Case::new(
            "GET /authorize: repeated client_id",
            Raw::get(format!(
                "/authorize?{}",
                form(&[
                    ("client_id", "web"),
                    ("client_id", "no-refresh"),
                    ("redirect_uri", CALLBACK)
                ])
            )),
            BAD_PAGE,
        ),
        Case::new(
            "GET /authorize: state past its limit",
            Raw::get(format!(
                "/authorize?{}",
                form(&[
                    ("response_type", "token"),
                    ("client_id", "web"),
                    ("redirect_uri", CALLBACK),
                    ("state", &"s".repeat(MAX_VALUE_LEN + 1))
                ])
            )),
            BAD_PAGE,
        ),
        Case::new(
            "GET /authorize: state past its own limit",
            Raw::get(format!(
                "/authorize?{}",
                form(&[
                    ("response_type", "token"),
                    ("client_id", "web"),
                    ("redirect_uri", CALLBACK),
                    ("scope", "openid"),
                    ("state", &"s".repeat(MAX_STATE_LEN + 1))
                ])
            )),
            Expect::Redirect("invalid_request"),
        ),
        Case::new(
            "GET /authorize: state at its limit",
            Raw::get(format!(
                "/authorize?{}",
                form(&[
                    ("response_type", "token"),
                    ("client_id", "web"),
                    ("redirect_uri", CALLBACK),
                    ("scope", "openid"),
                    ("state", &"s".repeat(MAX_STATE_LEN))
                ])
            )),
            Expect::LoginPage(200),
        ),
    ]
}

fn management_bodies(fixture: &Fixture) -> Vec<Case> {
    let creator = fixture.harness.admin_token("create:users");
    let create =
        |body: &str| Raw::post("/api/users", "application/json", body.to_owned()).bearer(&creator);
    vec![
        Case::new("POST /api/users: cut short", create(r#"{"email":"#), BAD),
        Case::new("POST /api/users: not an object", create(r#""ana""#), BAD),
        Case::new(
            "POST /api/users: number password",
            create(r#"{"email":"x@example.com","password":12345678901234}"#),
            BAD,
        ),
        Case::new(
            "POST /api/users: repeated email",
            create(
                r#"{"email":"x@example.com","email":"ana@example.com","password":"a long enough password"}"#,
            ),
            BAD,
        ),
        Case::new(
            "POST /api/users: form body",
            Raw::form("/api/users", "email=x%40example.com").bearer(&creator),
            BAD,
        ),
        Case::new(
            "POST /api/users: past the size limit",
            Raw::post(
                "/api/users",
                "application/json",
                format!(r#"{{"email":"{}"}}"#, "a".repeat(MAX_BODY_BYTES)),
            )
            .bearer(&creator),
            TOO_LARGE,
        ),
    ]
}

fn headers_and_routes(fixture: &Fixture) -> Vec<Case> {
    let list = "/api/users/usr_ana/refresh_tokens";
    let token = "/oauth/token";
    let grant = "grant_type=client_credentials";
    let ana = &fixture.ana["access_token"];
    vec![
        Case::new(
            "a bearer token past 8 KiB",
            Raw::get(list).bearer(&"a".repeat(9 * 1024)),
            Expect::Json(401, "invalid_token"),
        ),
        Case::new(
            "a bearer token at 8 KiB",
            Raw::get(list).bearer(&"a".repeat(8 * 1024)),
            Expect::Json(401, "invalid_token"),
        ),
        Case::new(
            "an empty bearer",
            Raw::get(list).header("authorization", "Bearer "),
            Expect::Json(401, "invalid_token"),
        ),
        Case::new(
            "two bearer tokens",
            Raw::get(list).bearer(ana).bearer(ana),
            Expect::Json(400, "invalid_request"),
        ),
        Case::new(
            "a bearer in the query",
            Raw::get(format!("{list}?access_token={ana}")),
            Expect::Json(401, "invalid_token"),
        ),
        Case::new(
            "Basic: not base64",
            Raw::form(token, grant).header("authorization", "Basic !!!"),
            Expect::Json(401, "invalid_client"),
        ),
        Case::new(
            "Basic: no colon",
            Raw::form(token, grant).header("authorization", "Basic YWRtaW4="),
            Expect::Json(401, "invalid_client"),
        ),
        Case::new(
            "Basic: bad percent-encoding",
            Raw::form(token, grant)
                .header("authorization", "Basic YWRtaW4lenp6OmFkbWluLXNlY3JldA=="),
            Expect::Json(401, "invalid_client"),
        ),
        Case::new(
            "Basic: wrong secret",
            Raw::form(token, grant).header("authorization", "Basic YWRtaW46d3Jvbmc="),
            Expect::Json(401, "invalid_client"),
        ),
        Case::new(
            "Basic: past 8 KiB",
            Raw::form(token, grant)
                .header("authorization", &format!("Basic {}", "QUFB".repeat(2400))),
            Expect::Json(401, "invalid_client"),
        ),
        Case::new(
            "Basic and a body secret together",
            Raw::form(
                token,
                "grant_type=client_credentials&client_id=admin&client_secret=admin-secret",
            )
            .header("authorization", "Basic YWRtaW46YWRtaW4tc2VjcmV0"),
            BAD,
        ),
        Case::new(
            "a cookie past 8 KiB on the form",
            Raw::form("/authorize", "username=a&password=b")
                .header("cookie", &format!("oa_login={}", "c".repeat(9 * 1024))),
            BAD_PAGE,
        ),
        Case::new(
            "an unknown route",
            Raw::get("/wp-admin"),
            Expect::Json(404, "not_found"),
        ),
        Case::new(
            "an encoded traversal",
            Raw::get("/api/users/..%2F..%2Fadmin/refresh_tokens").bearer(ana),
            Expect::Json(403, "insufficient_scope"),
        ),
        Case::new(
            "PUT /delegation",
            Raw {
                method: "PUT",
                ..Raw::form("/delegation", "a=b")
            },
            Expect::Json(405, "invalid_request"),
        ),
        Case::new(
            "GET /oauth/token",
            Raw::get(token),
            Expect::Json(405, "invalid_request"),
        ),
        Case::new(
            "a body at the limit",
            Raw::form(token, body_at_the_limit()),
            Expect::Json(400, "invalid_grant"),
        ),
    ]
}

pub async fn cases(fixture: &Fixture) -> Vec<Case> {
    let mut cases: Vec<Case> = BODY_ENDPOINTS.iter().flat_map(|e| malformed(e)).collect();
    cases.extend(login_form_abuse());
    cases.extend(management_bodies(fixture));
    cases.extend(headers_and_routes(fixture));
    cases
}
