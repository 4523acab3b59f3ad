//! `GET` and `POST /oidc/logout` (OpenID Connect RP-Initiated Logout 1.0):
//! ends the browser's sign-in, clears its cookie, and sends it to the
//! client's registered `post_logout_redirect_uri`, or shows a page.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;

use crate::domain::logout::{self, LogoutRequest};
use crate::domain::sign_in::{self, SignInCookie};
use crate::error::OAuthError;
use crate::http::cookies;
use crate::http::extract::Form;
use crate::http::html::{document, error_page, page};
use crate::http::params::Params;
use crate::http::respond::redirect;
use crate::http::state::AuthorizeState;
use crate::observe::{EventCode, SecurityEvent};
use crate::secret::Jwt;

/// `GET /oidc/logout`: the parameters in the query.
pub(super) async fn logout_get(
    State(state): State<AuthorizeState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let params = Params::from_urlencoded(uri.query().unwrap_or_default().as_bytes());
    match params {
        Ok(params) => logout(&state, &params, &headers, StatusCode::FOUND).await,
        Err(err) => error_page(&err),
    }
}

/// `POST /oidc/logout`: the parameters in a form.
pub(super) async fn logout_post(
    State(state): State<AuthorizeState>,
    headers: HeaderMap,
    body: Result<Form, OAuthError>,
) -> Response {
    match body {
        Ok(Form(params)) => logout(&state, &params, &headers, StatusCode::SEE_OTHER).await,
        Err(err) => error_page(&err),
    }
}

fn read(params: &Params) -> Result<LogoutRequest, OAuthError> {
    Ok(LogoutRequest {
        id_token_hint: params.get("id_token_hint")?.map(Jwt::new),
        client_id: params.get("client_id")?.map(str::to_owned),
        post_logout_redirect_uri: params.get("post_logout_redirect_uri")?.map(str::to_owned),
        state: params.get("state")?.map(str::to_owned),
    })
}

/// Validates first, so a refused logout changes nothing; then ends the
/// sign-in and answers.
async fn logout(
    state: &AuthorizeState,
    params: &Params,
    headers: &HeaderMap,
    status: StatusCode,
) -> Response {
    let target = match read(params).and_then(|r| logout::validate(&state.services.authority, &r)) {
        Ok(target) => target,
        Err(err) => return error_page(&err),
    };
    if let Some(cookie) =
        cookies::read(headers, cookies::SESSION_COOKIE).and_then(SignInCookie::parse)
    {
        if let Err(err) = sign_in::end(state.sign_ins.as_ref(), &cookie).await {
            return error_page(&err);
        }
    }
    let mut response = match target {
        Some(location) => redirect(&location, status),
        None => page(
            StatusCode::OK,
            document(
                "Signed out",
                "<h1>You are signed out</h1><p>You can close this page.</p>",
            ),
            None,
            None,
        ),
    };
    let secure = state.services.secure_cookies;
    cookies::set(&mut response, cookies::SESSION_COOKIE, "", 0, secure);
    let event = SecurityEvent::new(
        EventCode::RevokedByLogout,
        "a browser's sign-in ended (RP-initiated logout)",
    );
    state.services.authority.observer.security(event).await;
    response
}
