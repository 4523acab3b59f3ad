//! The hosted login page: rendered with a fresh anti-forgery token bound to
//! the form cookie, and the token checked when the form comes back
//! (`docs/design/login-form.md`).

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::domain::authorize::{AuthorizationRequest, Callback};
use crate::domain::login_form::{self, FormError};
use crate::domain::{now, random_hex};
use crate::http::cookies;
use crate::http::html::{error_page, login_page, page, LoginPage};
use crate::http::params::Params;
use crate::http::state::AuthorizeState;

/// Whether the form came back from the browser it was shown to, unchanged
/// and in time.
pub(super) fn check_form_token(
    state: &AuthorizeState,
    request: &AuthorizationRequest,
    headers: &HeaderMap,
    params: &Params,
) -> Result<(), FormError> {
    let binding = cookies::form_binding(headers).ok_or(FormError::Invalid)?;
    let token = params
        .get("login_form_token")
        .ok()
        .flatten()
        .ok_or(FormError::Invalid)?;
    login_form::verify(
        state.services.authority.signer.key().form_key(),
        &binding,
        &request.canonical(),
        token,
        now(),
    )
}

/// How the login page is shown: first time, or again after a failed attempt.
pub(super) struct Retry<'a> {
    pub message: Option<&'a str>,
    pub username: &'a str,
    pub status: StatusCode,
}

/// Renders the login page with a fresh form token, bound to the form cookie.
pub(super) fn render_login(
    state: &AuthorizeState,
    callback: &Callback<'_>,
    request: &AuthorizationRequest,
    headers: &HeaderMap,
    retry: &Retry<'_>,
) -> Response {
    let binding = match cookies::form_binding(headers)
        .map(Ok)
        .unwrap_or_else(|| random_hex(16))
    {
        Ok(binding) => binding,
        Err(err) => return error_page(&err),
    };
    let ttl = state.services.login_form_ttl;
    let form_token = login_form::issue(
        state.services.authority.signer.key().form_key(),
        &binding,
        &request.canonical(),
        now(),
        ttl,
    );
    let hidden = request.hidden_fields();
    let html = login_page(&LoginPage {
        client_name: &callback.client.name,
        hidden: &hidden,
        form_token: &form_token,
        error: retry.message,
        username: retry.username,
    });
    let origin = url::Url::parse(&callback.redirect_uri)
        .map(|u| u.origin().ascii_serialization())
        .ok();
    let mut response = page(retry.status, html, origin.as_deref(), None);
    let secure = state.services.secure_cookies;
    cookies::set(&mut response, cookies::FORM_COOKIE, &binding, ttl, secure);
    response
}
