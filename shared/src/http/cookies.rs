//! The authorization server's cookies (RFC 6265): read one by name, and set
//! one host-only, `HttpOnly`, `SameSite=Lax`, and `Secure` outside local http.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

/// The cookie that binds a login form to the browser that loaded it.
pub const FORM_COOKIE: &str = "oa_login";
/// The cookie that keeps a browser's device id for the code flow.
pub const DEVICE_COOKIE: &str = "oa_device";
/// The cookie that names the browser's sign-in (`domain::sign_in`).
pub const SESSION_COOKIE: &str = "oa_session";
/// How long the device cookie lives: two years.
pub const DEVICE_COOKIE_MAX_AGE: u64 = 2 * 365 * 24 * 3600;

/// The first value the request sends for cookie `name`.
pub fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value)
}

/// The form cookie's value, when the browser sent a well-formed one.
pub fn form_binding(headers: &HeaderMap) -> Option<String> {
    read(headers, FORM_COOKIE)
        .filter(|value| value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

/// Adds `Set-Cookie` for `name=value` (a value of our own making, so always
/// a valid header).
pub fn set(response: &mut Response, name: &str, value: &str, max_age: u64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
