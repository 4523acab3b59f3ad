//! Answering an authorization request once the user is known: a code
//! (RFC 6749 §4.1.2) or the implicit grant's tokens (§4.2.2), always with
//! `iss` (RFC 9207), sent to the validated callback in its response mode.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use std::sync::OnceLock;

use crate::domain::authorize::{
    AuthorizationRequest, AuthorizationResponse, Callback, ResponseType, SignedIn,
};
use crate::domain::browser_device::{device_name, BrowserId};
use crate::domain::code_grant;
use crate::domain::implicit_grant::grant;
use crate::error::{Fault, OAuthError};
use crate::http::html::{csp_hash, document, error_page, escape, hidden_input, page};
use crate::http::state::AuthorizeState;
use crate::http::{cookies, header_text};
use crate::ids::OFFLINE_ACCESS;

/// A redirect to the callback: `302` after a `GET`, `303` after the login
/// form's `POST`, so the browser never re-sends the form (RFC 9700 §4.12).
pub(super) fn redirect(location: &str, status: StatusCode) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = status.into_response();
            response.headers_mut().insert(header::LOCATION, value);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => error_page(&OAuthError::ServerError(Fault::Invariant(
            "a redirect location is not a valid header",
        ))),
    }
}

/// The script that posts a `form_post` response; allowed by its hash alone.
const FORM_POST_SCRIPT: &str = "document.forms[0].submit();";

/// Sends an authorization response to the callback: a redirect (`302`
/// after a `GET`, `303` after a `POST`) in the query or fragment mode, or,
/// in the form post mode, a page whose form posts the parameters there
/// (OAuth 2.0 Form Post Response Mode §2).
pub(super) fn deliver(answer: &AuthorizationResponse, status: StatusCode) -> Response {
    if let Some(location) = answer.location() {
        return redirect(&location, status);
    }
    static HASH: OnceLock<String> = OnceLock::new();
    let hash = HASH.get_or_init(|| csp_hash(FORM_POST_SCRIPT));
    let inputs: String = answer
        .params
        .iter()
        .map(|(name, value)| hidden_input(name, value))
        .collect();
    let body = format!(
        "<h1>Signing in…</h1><form method=\"post\" action=\"{}\">{inputs}\
<noscript><button type=\"submit\">Continue</button></noscript></form><script>{FORM_POST_SCRIPT}</script>",
        escape(&answer.redirect_uri)
    );
    let origin = url::Url::parse(&answer.redirect_uri)
        .map(|u| u.origin().ascii_serialization())
        .ok();
    page(
        StatusCode::OK,
        document("Signing in", &body),
        origin.as_deref(),
        Some(hash),
    )
}

/// Issues the code or the tokens for `user` and redirects to the callback
/// with them (`status`: `302` after a `GET`, `303` after the form's `POST`).
pub(super) async fn respond(
    state: &AuthorizeState,
    callback: &Callback<'_>,
    mut request: AuthorizationRequest,
    user: &SignedIn<'_>,
    headers: &HeaderMap,
    status: StatusCode,
) -> Result<Response, OAuthError> {
    let new_browser = browser_device(&mut request, headers)?;
    let authority = &state.services.authority;
    let issuer = authority.signer.issuer();
    let answer = match request.response_type {
        ResponseType::Code => {
            let codes = state.codes.as_ref();
            code_grant::issue(codes, callback.client, user, &request, issuer).await?
        }
        ResponseType::Token => {
            let sessions = state.sessions.as_ref();
            grant(authority, sessions, callback.client, user, &request)
                .await?
                .response(&request, issuer)
        }
    };
    let mut response = deliver(&answer, status);
    if let Some(id) = new_browser {
        let secure = state.services.secure_cookies;
        let max_age = cookies::DEVICE_COOKIE_MAX_AGE;
        cookies::set(
            &mut response,
            cookies::DEVICE_COOKIE,
            id.as_str(),
            max_age,
            secure,
        );
    }
    Ok(response)
}

/// The code flow's device when the request names none and asks for a
/// refresh token: this browser, by its id cookie (a new id when it has
/// none, returned to be set), named from its `User-Agent`.
fn browser_device(
    request: &mut AuthorizationRequest,
    headers: &HeaderMap,
) -> Result<Option<BrowserId>, OAuthError> {
    let wanted = request.response_type == ResponseType::Code
        && request.device.is_none()
        && request.scope.contains(OFFLINE_ACCESS);
    if !wanted {
        return Ok(None);
    }
    let known = cookies::read(headers, cookies::DEVICE_COOKIE).and_then(BrowserId::parse);
    let (id, new) = match known {
        Some(id) => (id, false),
        None => (BrowserId::generate()?, true),
    };
    let user_agent = header_text(headers, header::USER_AGENT);
    request.device = Some(device_name(user_agent, &id)?);
    Ok(new.then_some(id))
}
