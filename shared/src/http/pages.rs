//! What the device pages (`/account`, `/admin`) share: the signed-in user
//! from the browser's sign-in cookie, the way to the login page and back,
//! the forms' anti-forgery token, and the device cards. Plain HTML, no
//! script, the login page's strict CSP.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;

use crate::clients::ClientRegistry;
use crate::domain::account::{DeviceRow, PAGES_CLIENT_ID};
use crate::domain::browser_device::BrowserId;
use crate::domain::sign_in::{self as sign_in_session, SignInCookie};
use crate::domain::{login_form, now, pkce, random_hex};
use crate::error::OAuthError;
use crate::http::html::{document, escape, hidden_input, page};
use crate::http::params::Params;
use crate::http::respond::redirect;
use crate::http::state::RevokeState;
use crate::http::{cookies, header_text};
use crate::ids::UserId;
use crate::store::Account;

/// What the forms' anti-forgery tokens are for.
const CSRF_PURPOSE: &str = "device-pages-v1";
/// Fetch Metadata: where the browser says a request comes from.
const SEC_FETCH_SITE: header::HeaderName = header::HeaderName::from_static("sec-fetch-site");
/// How long a page's forms stay valid, in seconds.
const CSRF_TTL: u64 = 3600;

/// The user the browser is signed in as.
pub(super) struct PageUser {
    /// The sign-in cookie, which the forms' tokens are bound to.
    pub cookie: SignInCookie,
    /// The user.
    pub user_id: UserId,
    /// Their account.
    pub account: Account,
}

/// The browser's current sign-in and its user, if any.
pub(super) async fn page_user(
    state: &RevokeState,
    headers: &HeaderMap,
) -> Result<Option<PageUser>, OAuthError> {
    let Some(cookie) =
        cookies::read(headers, cookies::SESSION_COOKIE).and_then(SignInCookie::parse)
    else {
        return Ok(None);
    };
    let Some(record) = sign_in_session::current(state.sign_ins.as_ref(), &cookie, now()).await?
    else {
        return Ok(None);
    };
    let Some(account) = state.users.find_account(&record.user_id).await? else {
        return Ok(None);
    };
    Ok(Some(PageUser {
        cookie,
        user_id: record.user_id,
        account,
    }))
}

/// To the login page, which comes back to `{issuer}{page}` once signed in:
/// a code flow of the pages' own client, whose code nobody exchanges.
pub(super) fn to_login(issuer: &str, page: &str) -> Result<Response, OAuthError> {
    let challenge = pkce::challenge_of(&random_hex(32)?);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", PAGES_CLIENT_ID)
        .append_pair("redirect_uri", &format!("{issuer}{page}"))
        .append_pair("scope", "openid")
        .append_pair("state", &random_hex(16)?)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    Ok(redirect(
        &format!("{issuer}authorize?{query}"),
        StatusCode::FOUND,
    ))
}

/// A token for the forms of a page shown to this sign-in.
pub(super) fn csrf_token(state: &RevokeState, user: &PageUser) -> String {
    let key = state.services.authority.signer.key().form_key();
    login_form::issue(key, &user.cookie.value(), CSRF_PURPOSE, now(), CSRF_TTL)
}

/// A form post must come from our own pages: its `Origin`, when the browser
/// sends one, is the issuer's (or `null`), `Sec-Fetch-Site` is not
/// `cross-site`, and its token was issued to this sign-in.
/// A cross-site post fails here even when the browser sent the cookie.
pub(super) fn check_form(
    state: &RevokeState,
    user: &PageUser,
    headers: &HeaderMap,
    params: &Params,
) -> Result<(), OAuthError> {
    let refused =
        || OAuthError::Forbidden("The form could not be verified. Reload the page.".into());
    let issuer = state.services.authority.signer.issuer();
    // A page sent with `Referrer-Policy: no-referrer` posts with
    // `Origin: null`; the token decides then.
    let foreign_origin = header_text(headers, header::ORIGIN)
        .is_some_and(|origin| origin != "null" && format!("{origin}/") != issuer);
    let cross_site = header_text(headers, SEC_FETCH_SITE).is_some_and(|site| site == "cross-site");
    if foreign_origin || cross_site {
        return Err(refused());
    }
    let token = params.get("csrf_token")?.ok_or_else(refused)?;
    let key = state.services.authority.signer.key().form_key();
    login_form::verify(key, &user.cookie.value(), CSRF_PURPOSE, token, now()).map_err(|_| refused())
}

/// The first 8 hex digits of this browser's id cookie, which name the
/// code-flow devices it signed in as.
pub(super) fn browser_tag(headers: &HeaderMap) -> Option<String> {
    cookies::read(headers, cookies::DEVICE_COOKIE)
        .and_then(BrowserId::parse)
        .map(|id| id.as_str().chars().take(8).collect())
}

/// An HTML page of the device pages (`200`).
pub(super) fn html(title: &str, body: &str) -> Response {
    page(StatusCode::OK, document(title, body), None, None)
}

fn seen_text(at: &str, seen: &crate::domain::device_view::SeenView) -> String {
    let mut text = escape(at);
    if let Some(ip) = &seen.ip {
        text.push_str(&format!(" from {}", escape(ip)));
    }
    if let Some(description) = &seen.description {
        text.push_str(&format!(" ({})", escape(description)));
    }
    text
}

/// The device cards, each with a form that revokes it (`action`, with the
/// `hidden` fields and the token).
pub(super) fn device_cards(
    rows: &[DeviceRow],
    clients: &ClientRegistry,
    form: (&str, &[(&str, &str)], &str),
) -> String {
    let (action, hidden, csrf) = form;
    if rows.is_empty() {
        return "<p>No devices are signed in.</p>".to_owned();
    }
    let hidden: String = hidden
        .iter()
        .map(|(name, value)| hidden_input(name, value))
        .collect();
    rows.iter()
        .enumerate()
        .map(|(n, row)| {
            let view = &row.view;
            let app = clients
                .get(&view.client_id)
                .map_or(view.client_id.as_str(), |c| c.name.as_str());
            let badge = if row.this_device {
                " <strong class=\"badge\">This device</strong>"
            } else {
                ""
            };
            let expires = view.expires_at.as_deref().unwrap_or("unknown");
            format!(
                "<section class=\"device\" aria-labelledby=\"device-{n}\">\
<h2 id=\"device-{n}\">{device}{badge}</h2><dl><dt>App</dt><dd>{app}</dd>\
<dt>Signed in</dt><dd>{signed_in}</dd><dt>Last used</dt><dd>{last_used}</dd>\
<dt>Expires</dt><dd>{expires}</dd></dl>\
<form method=\"post\" action=\"{action}\">{hidden}{csrf}{id}\
<button type=\"submit\" aria-label=\"Sign out {device} ({app})\">Sign out this device</button></form></section>",
                device = escape(&view.device_name),
                app = escape(app),
                signed_in = seen_text(&view.created_at, &view.signed_in_from),
                last_used = seen_text(&view.last_used_at, &view.last_used_from),
                expires = escape(expires),
                action = escape(action),
                csrf = hidden_input("csrf_token", csrf),
                id = hidden_input("credential_id", &view.id),
            )
        })
        .collect()
}
