//! The authorize function's routes: `GET /authorize` shows the login page,
//! `POST /authorize` signs in and redirects with the tokens (RFC 6749 §4.2)
//! or a code (§4.1),
//! and `GET /.well-known/jwks.json` publishes the public keys (RFC 7517).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::domain::discovery;
use crate::http::authorization::begin;
use crate::http::html::error_page;
use crate::http::logout::{logout_get, logout_post};
use crate::http::params::Params;
use crate::http::route_table::{Method, Route, RouteTable};
use crate::http::sign_in::submit_login;
use crate::http::{finish_api_router, lock};
use crate::store::Seen;

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
        .add(Method::Get, "/client/{file}", lock::client_script)
        .add(Method::Get, "/user/ssodata", lock::sso_data)
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

/// `GET /authorize`: validate, then show the login page; with
/// `prompt=none`, answer from the browser's sign-in instead, or redirect
/// with `login_required` (OIDC Core §3.1.2.1).
async fn show_login(
    State(state): State<AuthorizeState>,
    uri: Uri,
    seen: Seen,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let query = uri.query().unwrap_or_default().as_bytes();
    let params = Params::from_urlencoded(query).map_err(|err| error_page(&err))?;
    begin(&state, &params, (&headers, &seen), StatusCode::FOUND).await
}
