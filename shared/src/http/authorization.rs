//! An authorization request at `/authorize` (RFC 6749 §4.1.1, §4.2.1, OIDC
//! Core §3.1.2.1), by `GET` or by `POST`: read and validated once, then
//! answered with the login page, or from the browser's sign-in for
//! `prompt=none`, or refused on a page or by a redirect to the callback.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::domain::authorize::{
    locate_callback, parse_request, AuthorizationRequest, AuthorizationResponse, Callback,
    RedirectError, SignedIn,
};
use crate::domain::sign_in::{self as sign_in_session, SignInCookie};
use crate::domain::{now, Authority};
use crate::error::OAuthError;
use crate::http::cookies;
use crate::http::html::error_page;
use crate::http::login::{render_login, Retry};
use crate::http::params::Params;
use crate::http::requests::{authorization_params, AuthorizationRead};
use crate::http::respond::{deliver, respond};
use crate::http::state::AuthorizeState;
use crate::store::Seen;

/// Reads and validates an authorization request: a bad client or callback
/// is shown on a page (RFC 6749 §4.1.2.1), anything else is redirected to
/// the callback.
pub(super) fn authorization_request<'a>(
    params: &Params,
    authority: &'a Authority,
) -> Result<(Callback<'a>, AuthorizationRequest), Refusal> {
    let issuer = authority.signer.issuer();
    let (read, unread) = match authorization_params(params) {
        AuthorizationRead::Unreadable(err) => return Err(Refusal::Page(err)),
        AuthorizationRead::Read(read) => (read, None),
        AuthorizationRead::Partial(read, err) => (read, Some(err)),
    };
    let callback = locate_callback(&read, &authority.clients).map_err(Refusal::Page)?;
    if let Some(err) = unread {
        let error =
            RedirectError::to_callback(&callback, read.error_mode(), read.state.clone(), err);
        return Err(Refusal::Redirect(error.response(issuer)));
    }
    let request =
        parse_request(&read, &callback).map_err(|e| Refusal::Redirect(e.response(issuer)))?;
    Ok((callback, request))
}

/// How a browser request to `/authorize` is refused: on an error page when
/// the client or callback is bad, by a redirect to the callback otherwise
/// (RFC 6749 §4.1.2.1, §4.2.2.1).
pub(super) enum Refusal {
    /// An HTML error page; nothing is sent to the client.
    Page(OAuthError),
    /// `error`, `error_description`, `state` and `iss` sent to the validated
    /// callback in the request's response mode.
    Redirect(AuthorizationResponse),
}

impl Refusal {
    /// The refusal, with `status` for a redirect (`303` after a `POST`).
    fn deliver(self, status: StatusCode) -> Response {
        match self {
            Self::Redirect(answer) => deliver(&answer, status),
            page => page.into_response(),
        }
    }

    /// The refusal of the login form's `POST`: a redirect is a `303`.
    pub(super) fn after_post(self) -> Response {
        self.deliver(StatusCode::SEE_OTHER)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Page(err) => error_page(&err),
            Self::Redirect(answer) => deliver(&answer, StatusCode::FOUND),
        }
    }
}

/// An authorization request, by `GET` or `POST` (OIDC Core §3.1.2.1: both
/// must work): the login page, or with `prompt=none` the answer from the
/// browser's sign-in. `redirect` is `302` after a `GET`, `303` after a `POST`.
pub(super) async fn begin(
    state: &AuthorizeState,
    params: &Params,
    (headers, seen): (&HeaderMap, &Seen),
    redirect: StatusCode,
) -> Result<Response, Response> {
    let (callback, request) = authorization_request(params, &state.services.authority)
        .map_err(|refusal| refusal.deliver(redirect))?;
    if request.sign_in.prompt_none {
        return silently(state, &callback, request, (headers, seen), redirect).await;
    }
    let hint = request.sign_in.login_hint.clone().unwrap_or_default();
    let fresh = Retry {
        message: None,
        username: &hint,
        status: StatusCode::OK,
    };
    Ok(render_login(state, &callback, &request, headers, &fresh))
}

/// A `POST /authorize` that is an authorization request rather than the
/// login form: it carries none of the form's own fields.
pub(super) fn is_authorization_request(params: &Params) -> bool {
    ["login_form_token", "username", "password"]
        .iter()
        .all(|name| matches!(params.get(name), Ok(None)))
}

/// `prompt=none`: the code or tokens from the browser's sign-in, never a page.
async fn silently(
    state: &AuthorizeState,
    callback: &Callback<'_>,
    request: AuthorizationRequest,
    (headers, seen): (&HeaderMap, &Seen),
    redirect: StatusCode,
) -> Result<Response, Response> {
    let issuer = state.services.authority.signer.issuer();
    let refuse = |err: OAuthError| {
        let mode = request.response_mode;
        let error = RedirectError::to_callback(callback, mode, request.state.clone(), err);
        deliver(&error.response(issuer), redirect)
    };
    let now = now();
    let found = match cookies::read(headers, cookies::SESSION_COOKIE).and_then(SignInCookie::parse)
    {
        Some(cookie) => sign_in_session::current(state.sign_ins.as_ref(), &cookie, now).await,
        None => Ok(None),
    };
    let found = found.map_err(|err| error_page(&err))?;
    let session = sign_in_session::silent(&request, found, now).map_err(refuse)?;
    let profile = state.users.find_profile(&session.user_id).await;
    let Some(profile) = profile.map_err(|err| error_page(&err.into()))? else {
        return Err(refuse(OAuthError::LoginRequired(
            "The user must sign in.".into(),
        )));
    };
    let user = SignedIn {
        user_id: &session.user_id,
        profile: &profile,
        auth_time: session.auth_time,
        seen,
    };
    respond(state, callback, request, &user, headers, redirect)
        .await
        .map_err(|err| error_page(&err))
}
