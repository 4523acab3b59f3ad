//! The authorize function's routes: `GET /authorize` shows the login page,
//! `POST /authorize` signs in and redirects with the tokens (RFC 6749 §4.2)
//! or a code (§4.1),
//! and `GET /.well-known/jwks.json` publishes the public keys (RFC 7517).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::domain::authorize::{
    locate_callback, parse_request, AuthorizationRequest, AuthorizationResponse, Callback,
    RedirectError, SignedIn,
};
use crate::domain::discovery;
use crate::domain::implicit_grant::sign_in;
use crate::domain::login_form::FormError;
use crate::domain::sign_in::{self as sign_in_session, SignInCookie};
use crate::domain::{now, Authority};
use crate::error::OAuthError;
use crate::http::extract::Form;
use crate::http::html::error_page;
use crate::http::login::{check_form_token, render_login, Retry};
use crate::http::logout::{logout_get, logout_post};
use crate::http::params::Params;
use crate::http::requests::{authorization_params, AuthorizationRead};
use crate::http::respond::{deliver, respond};
use crate::http::route_table::{Method, Route, RouteTable};
use crate::http::{cookies, finish_api_router};
use crate::secret::Password;
use crate::store::UserRecord;

pub use crate::http::state::AuthorizeState;

/// The authorize function's router, as it runs on Lambda.
pub fn router(state: AuthorizeState) -> Router {
    finish_api_router(routes(state))
}

/// The authorize function's routes, without fallbacks, for merging.
pub fn routes(state: AuthorizeState) -> Router {
    table().with_state(state)
}

fn table() -> RouteTable<AuthorizeState> {
    RouteTable::default()
        .add(Method::Get, "/authorize", show_login)
        .add(Method::Post, "/authorize", submit_login)
        .add(Method::Get, "/oidc/logout", logout_get)
        .add(Method::Post, "/oidc/logout", logout_post)
        .add(Method::Get, "/.well-known/jwks.json", jwks)
        .add(Method::Get, "/.well-known/openid-configuration", discovery)
        .add(
            Method::Get,
            "/.well-known/oauth-authorization-server",
            discovery,
        )
}

/// What this function serves.
pub fn route_list() -> Vec<Route> {
    table().routes()
}

/// `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4)
/// and `GET /.well-known/oauth-authorization-server` (RFC 8414 §3): one document.
async fn discovery(State(state): State<AuthorizeState>) -> Response {
    public_metadata(discovery::document(&state.services.authority))
}

/// `GET /.well-known/jwks.json` (RFC 7517 §5).
async fn jwks(State(state): State<AuthorizeState>) -> Response {
    public_metadata(state.services.authority.signer.jwks())
}

/// Public metadata: cacheable, and readable from any origin (a browser app
/// on another origin fetches it; no credentials are involved).
fn public_metadata(document: impl serde::Serialize) -> Response {
    let mut response = axum::Json(document).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// Reads and validates an authorization request: a bad client or callback
/// is shown on a page (RFC 6749 §4.1.2.1), anything else is redirected to
/// the callback.
fn authorization_request<'a>(
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
enum Refusal {
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
    fn after_post(self) -> Response {
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

/// `GET /authorize`: validate, then show the login page; with
/// `prompt=none`, answer from the browser's sign-in instead, or redirect
/// with `login_required` (OIDC Core §3.1.2.1).
async fn show_login(
    State(state): State<AuthorizeState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let query = uri.query().unwrap_or_default().as_bytes();
    let params = Params::from_urlencoded(query).map_err(|err| error_page(&err))?;
    begin(&state, &params, &headers, StatusCode::FOUND).await
}

/// An authorization request, by `GET` or `POST` (OIDC Core §3.1.2.1: both
/// must work): the login page, or with `prompt=none` the answer from the
/// browser's sign-in. `redirect` is `302` after a `GET`, `303` after a `POST`.
async fn begin(
    state: &AuthorizeState,
    params: &Params,
    headers: &HeaderMap,
    redirect: StatusCode,
) -> Result<Response, Response> {
    let (callback, request) = authorization_request(params, &state.services.authority)
        .map_err(|refusal| refusal.deliver(redirect))?;
    if request.sign_in.prompt_none {
        return silently(state, &callback, request, headers, redirect).await;
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
fn is_authorization_request(params: &Params) -> bool {
    ["login_form_token", "username", "password"]
        .iter()
        .all(|name| matches!(params.get(name), Ok(None)))
}

/// `prompt=none`: the code or tokens from the browser's sign-in, never a page.
async fn silently(
    state: &AuthorizeState,
    callback: &Callback<'_>,
    request: AuthorizationRequest,
    headers: &HeaderMap,
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
    };
    respond(state, callback, request, &user, headers, redirect)
        .await
        .map_err(|err| error_page(&err))
}

/// `POST /authorize`: check the form, sign in, issue, redirect.
#[tracing::instrument(skip_all, fields(client_id = tracing::field::Empty))]
async fn submit_login(
    State(state): State<AuthorizeState>,
    headers: HeaderMap,
    body: Result<Form, OAuthError>,
) -> Result<Response, Response> {
    let Form(params) = body.map_err(|err| error_page(&err))?;
    if is_authorization_request(&params) {
        return begin(&state, &params, &headers, StatusCode::SEE_OTHER).await;
    }
    let (callback, request) =
        authorization_request(&params, &state.services.authority).map_err(Refusal::after_post)?;
    tracing::Span::current().record("client_id", callback.client.client_id.as_str());
    let username = params.get("username").ok().flatten().unwrap_or_default();
    let again = |message: &str, status| {
        let retry = Retry {
            message: Some(message),
            username,
            status,
        };
        render_login(&state, &callback, &request, &headers, &retry)
    };
    if let Err(err) = check_form_token(&state, &request, &headers, &params) {
        let message = match err {
            FormError::Expired => "The sign-in form expired. Please sign in again.",
            FormError::Invalid => "The sign-in form could not be verified. Please sign in again.",
        };
        return Err(again(message, StatusCode::BAD_REQUEST));
    }
    let (Ok(Some(username)), Ok(Some(password))) = (params.get("username"), params.get("password"))
    else {
        return Err(again(
            "Enter your email and password.",
            StatusCode::BAD_REQUEST,
        ));
    };
    let user = sign_in(state.users.as_ref(), username, Password::new(password))
        .await
        .map_err(|err| error_page(&err))?
        .ok_or_else(|| again("Wrong email or password.", StatusCode::UNAUTHORIZED))?;
    signed_in(&state, &callback, request, &user, &headers)
        .await
        .map_err(|err| error_page(&err))
}

/// After the password: starts the browser's sign-in (its cookie), then
/// answers the request with a `303`.
async fn signed_in(
    state: &AuthorizeState,
    callback: &Callback<'_>,
    request: AuthorizationRequest,
    user: &UserRecord,
    headers: &HeaderMap,
) -> Result<Response, OAuthError> {
    let now = now();
    let ttl = state.services.sign_in_ttl;
    let cookie = sign_in_session::start(state.sign_ins.as_ref(), &user.user_id, now, ttl).await?;
    let signed_in = SignedIn {
        user_id: &user.user_id,
        profile: &user.profile,
        auth_time: now,
    };
    let mut response = respond(
        state,
        callback,
        request,
        &signed_in,
        headers,
        StatusCode::SEE_OTHER,
    )
    .await?;
    let secure = state.services.secure_cookies;
    cookies::set(
        &mut response,
        cookies::SESSION_COOKIE,
        &cookie.value(),
        ttl,
        secure,
    );
    Ok(response)
}
