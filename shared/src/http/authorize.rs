//! The authorize function's routes: `GET /authorize` shows the login page,
//! `POST /authorize` signs in and redirects with the tokens (RFC 6749 §4.2)
//! or a code (§4.1),
//! and `GET /.well-known/jwks.json` publishes the public keys (RFC 7517).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::domain::authorize::{
    locate_callback, parse_request, AuthorizationRequest, Callback, RedirectError, ResponseType,
};
use crate::domain::browser_device::{device_name, BrowserId};
use crate::domain::implicit_grant::{grant, sign_in};
use crate::domain::login_form::{self, FormError};
use crate::domain::{code_grant, discovery};
use crate::domain::{now, random_hex, Authority};
use crate::error::{Fault, OAuthError};
use crate::http::extract::Form;
use crate::http::html::{error_page, login_page, page, LoginPage};
use crate::http::params::Params;
use crate::http::requests::{authorization_params, AuthorizationRead};
use crate::http::route_table::{Method, Route, RouteTable};
use crate::http::{cookies, finish_api_router, header_text};
use crate::ids::OFFLINE_ACCESS;
use crate::secret::Password;

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

/// A redirect to the callback: `302` after a `GET`, `303` after the login
/// form's `POST`, so the browser never re-sends the form (RFC 9700 §4.12).
fn redirect(location: &str, status: StatusCode) -> Response {
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
        let response_type = read.response_type.as_deref();
        let error = RedirectError::to_callback(&callback, response_type, read.state.clone(), err);
        return Err(Refusal::Redirect(error.location(issuer)));
    }
    let request =
        parse_request(&read, &callback).map_err(|e| Refusal::Redirect(e.location(issuer)))?;
    Ok((callback, request))
}

/// How a browser request to `/authorize` is refused: on an error page when
/// the client or callback is bad, by a redirect to the callback otherwise
/// (RFC 6749 §4.1.2.1, §4.2.2.1).
enum Refusal {
    /// An HTML error page; nothing is sent to the client.
    Page(OAuthError),
    /// `error`, `error_description`, `state` and `iss` sent to the validated
    /// callback: the location.
    Redirect(String),
}

impl Refusal {
    /// The refusal of the login form's `POST`: a redirect is a `303`.
    fn after_post(self) -> Response {
        match self {
            Self::Redirect(location) => redirect(&location, StatusCode::SEE_OTHER),
            page => page.into_response(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Page(err) => error_page(&err),
            Self::Redirect(location) => redirect(&location, StatusCode::FOUND),
        }
    }
}

/// `GET /authorize`: validate, then show the login page.
async fn show_login(
    State(state): State<AuthorizeState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let query = uri.query().unwrap_or_default().as_bytes();
    let params = Params::from_urlencoded(query).map_err(|err| error_page(&err))?;
    let (callback, request) = authorization_request(&params, &state.services.authority)
        .map_err(IntoResponse::into_response)?;
    let fresh = Retry {
        message: None,
        username: "",
        status: StatusCode::OK,
    };
    Ok(render_login(&state, &callback, &request, &headers, &fresh))
}

/// `POST /authorize`: check the form, sign in, issue, redirect.
#[tracing::instrument(skip_all, fields(client_id = tracing::field::Empty))]
async fn submit_login(
    State(state): State<AuthorizeState>,
    headers: HeaderMap,
    body: Result<Form, OAuthError>,
) -> Result<Response, Response> {
    let Form(params) = body.map_err(|err| error_page(&err))?;
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
    let mut request = request;
    let new_browser = browser_device(&mut request, &headers).map_err(|err| error_page(&err))?;
    let authority = &state.services.authority;
    let issuer = authority.signer.issuer();
    let location = match request.response_type {
        ResponseType::Code => {
            let codes = state.codes.as_ref();
            code_grant::issue(codes, callback.client, &user, &request, issuer).await
        }
        ResponseType::Token => {
            let sessions = state.sessions.as_ref();
            grant(authority, sessions, callback.client, &user, &request)
                .await
                .map(|granted| granted.location(&request, issuer))
        }
    };
    let mut response = location
        .map(|location| redirect(&location, StatusCode::SEE_OTHER))
        .map_err(|err| error_page(&err))?;
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

fn check_form_token(
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
struct Retry<'a> {
    message: Option<&'a str>,
    username: &'a str,
    status: StatusCode,
}

/// Renders the login page with a fresh form token, bound to the form cookie.
fn render_login(
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
