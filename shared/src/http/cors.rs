//! CORS for the token endpoints and the management API (Fetch standard
//! §3.2): only registered web origins are ever echoed back, and a success
//! only to the calling client's.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::Services;

use crate::clients::{Client, ClientRegistry};
use crate::error::OAuthError;
use crate::http::header_text;
use crate::http::params::Params;

fn allow(response: &mut Response, origin: &str) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
}

/// The client whose web origins CORS answers for: the `client_id` in the body,
/// so that errors reach the page too.
pub fn body_client<'a>(clients: &'a ClientRegistry, params: &Params) -> Option<&'a Client> {
    params
        .get("client_id")
        .ok()
        .flatten()
        .and_then(|id| clients.get(id))
}

/// The answer of a handler whose errors must reach a browser page too: the
/// result, with CORS for the client the body names.
pub fn answer<T: IntoResponse>(
    headers: &HeaderMap,
    client: Option<&Client>,
    result: Result<T, OAuthError>,
) -> Response {
    let mut response = result.into_response();
    apply(&mut response, headers, client);
    response
}

/// Adds `Access-Control-Allow-Origin` when the request's origin is one of the client's.
fn apply(response: &mut Response, headers: &HeaderMap, client: Option<&Client>) {
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Origin"));
    let Some(origin) = header_text(headers, header::ORIGIN) else {
        return;
    };
    if client.is_some_and(|c| c.allows_origin(origin)) {
        allow(response, origin);
        expose(response);
    }
}

/// Marks a successful answer of a route with a bearer caller: the client
/// whose web origins may read it (`api_layer`).
#[derive(Debug, Clone)]
pub struct CallerClient(pub String);

/// CORS for the management API (`/api/…`): a successful answer is readable
/// by the caller's client's web origins only; a refusal, which carries no
/// user's data, by any origin a client registered, so a browser app can
/// tell an expired token from a network failure. Preflights are routes of
/// their own (`preflight`).
pub async fn api_layer(
    axum::extract::State(clients): axum::extract::State<Arc<Services>>,
    request: Request,
    next: Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/") && request.method() != Method::OPTIONS;
    let origin = header_text(request.headers(), header::ORIGIN).map(str::to_owned);
    let mut response = next.run(request).await;
    if !api {
        return response;
    }
    let clients = &clients.authority.clients;
    let readable =
        origin
            .as_deref()
            .is_some_and(|origin| match response.extensions().get::<CallerClient>() {
                Some(CallerClient(id)) => clients.get(id).is_some_and(|c| c.allows_origin(origin)),
                None => !response.status().is_success() && clients.any_allows_origin(origin),
            });
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Origin"));
    if let (true, Some(origin)) = (readable, origin) {
        allow(&mut response, &origin);
        expose(&mut response);
    }
    response
}

fn expose(response: &mut Response) {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("DPoP-Nonce, WWW-Authenticate"),
    );
}

/// Answers a preflight. The client is not known yet (there is no body), so an
/// origin any client registered may proceed; the real request is checked
/// against its own client's origins.
pub fn preflight(headers: &HeaderMap, clients: &ClientRegistry, methods: &'static str) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Origin"));
    let Some(origin) = header_text(headers, header::ORIGIN) else {
        return response;
    };
    if clients.any_allows_origin(origin) {
        allow(&mut response, origin);
        let out = response.headers_mut();
        out.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(methods),
        );
        out.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Content-Type, Authorization, DPoP"),
        );
        out.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    response
}
