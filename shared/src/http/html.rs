//! The HTML pages of the browser flow: the hosted login page and the error
//! page. Every value is escaped; every page sends a strict CSP, forbids
//! framing and caching, and loads no external asset.

use std::sync::OnceLock;

use aws_lc_rs::digest;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::OAuthError;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}\
main{max-width:24rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px #0002}\
h1{font-size:1.4rem;margin:0 0 .5rem}p{line-height:1.4}label{display:block;margin:1rem 0 .3rem;font-weight:600}\
input{box-sizing:border-box;width:100%;padding:.7rem;font-size:1rem;border:1px solid #9aa3b2;border-radius:6px}\
button{margin-top:1.4rem;width:100%;padding:.8rem;font-size:1rem;border:0;border-radius:6px;background:#2451c6;color:#fff;cursor:pointer}\
button:focus,input:focus{outline:3px solid #f0b400}.error{background:#fde8e8;color:#8a1111;padding:.7rem;border-radius:6px}\
code{word-break:break-all}.device{border-top:1px solid #dde1e8;margin-top:1.2rem;padding-top:.4rem}\
.device h2{font-size:1.1rem}dt{font-weight:600;margin-top:.5rem}dd{margin:0}\
.badge{font-size:.8rem;background:#e6efff;color:#1b3f99;padding:.1rem .4rem;border-radius:4px}@media (max-width:30rem){main{box-sizing:border-box;margin:0;border-radius:0;min-height:100vh}}";

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// `'sha256-…'` of an inline block, for the CSP.
pub fn csp_hash(block: &str) -> String {
    let digest = digest::digest(&digest::SHA256, block.as_bytes());
    format!("'sha256-{}'", STANDARD.encode(digest.as_ref()))
}

fn style_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| csp_hash(STYLE))
}

/// A page: the document around `body`, with the shared style.
pub fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title>\
<style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    )
}

/// An HTML answer with the security headers. `form_action` lists where forms
/// may post and redirect to (besides `'self'`); `script_hash` allows one inline script.
pub fn page(
    status: StatusCode,
    html: String,
    form_action: Option<&str>,
    script_hash: Option<&str>,
) -> Response {
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; img-src 'self'; form-action 'self'{}; \
frame-ancestors 'none'; base-uri 'none'",
        style_hash(),
        script_hash.unwrap_or("'none'"),
        form_action.map(|o| format!(" {o}")).unwrap_or_default(),
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The error page of the browser flow, used when redirecting is not safe or
/// not possible. A 5xx never says more than the error code's text.
pub fn error_page(error: &OAuthError) -> Response {
    error.log();
    let body = format!(
        "<h1>Sign-in could not continue</h1><p class=\"error\" role=\"alert\">{}</p><p>Error code: <code>{}</code></p>",
        escape(&error.description()),
        escape(error.code())
    );
    let mut response = page(error.status(), document("Sign-in error", &body), None, None);
    if matches!(
        error,
        OAuthError::TemporarilyUnavailable(_) | OAuthError::Busy
    ) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// What the login page shows.
pub struct LoginPage<'a> {
    /// The app's name.
    pub client_name: &'a str,
    /// The authorization request, as hidden fields.
    pub hidden: &'a [(&'static str, String)],
    /// The anti-forgery token.
    pub form_token: &'a str,
    /// A message to show above the form.
    pub error: Option<&'a str>,
    /// The username to prefill after a failed attempt.
    pub username: &'a str,
}

/// A hidden form field, its name and value escaped.
pub fn hidden_input(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        escape(name),
        escape(value)
    )
}

/// The hosted login page: plain HTML, no JavaScript.
pub fn login_page(login: &LoginPage<'_>) -> String {
    let hidden: String = login
        .hidden
        .iter()
        .map(|(name, value)| hidden_input(name, value))
        .collect();
    let error = login
        .error
        .map(|e| {
            format!(
                "<p class=\"error\" role=\"alert\" id=\"login-error\">{}</p>",
                escape(e)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1><p>to continue to <strong>{}</strong></p>{error}\
<form method=\"post\" action=\"authorize\">{hidden}\
{}\
<label for=\"username\">Email</label>\
<input id=\"username\" name=\"username\" type=\"email\" autocomplete=\"username\" required autofocus value=\"{}\">\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Sign in</button></form>",
        escape(login.client_name),
        hidden_input("login_form_token", login.form_token),
        escape(login.username),
    );
    document("Sign in", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn hostile_hidden_values_stay_inside_their_attribute() {
        let hidden = [("state", "\"><script>alert(1)</script>".to_owned())];
        let html = login_page(&LoginPage {
            client_name: "<b>App</b>",
            hidden: &hidden,
            form_token: "t",
            error: None,
            username: "",
        });
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>App</b>"));
    }

    #[test]
    fn pages_send_the_security_headers() {
        let response = page(
            StatusCode::OK,
            document("t", "b"),
            Some("https://app.example"),
            None,
        );
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("form-action 'self' https://app.example")
        );
        assert_eq!(response.headers()[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    }
}
