//! What the classic Lock widget asks for with its default options, besides
//! `/authorize`: its client-settings script (`GET /client/<client_id>.js`,
//! `Auth0.setClient({…})`) and `GET /user/ssodata`. Only Lock's redirect to
//! `/authorize` is supported; its embedded password form's endpoints
//! (`/usernamepassword/login`, `/oauth/ro`) are not (the README says so).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::clients::Client;
use crate::error::OAuthError;
use crate::http::header_text;
use crate::http::params::Params;
use crate::http::state::AuthorizeState;

/// The built-in user directory, under the name the classic tenants gave
/// their database connection.
pub const DATABASE_CONNECTION: &str = "Username-Password-Authentication";

/// `GET /client/{client_id}.js`: the client's settings as Lock reads them.
pub(super) async fn client_script(
    State(state): State<AuthorizeState>,
    Path(file): Path<String>,
) -> Result<Response, OAuthError> {
    let unknown = || OAuthError::NotFound("No such client.".into());
    let client_id = file.strip_suffix(".js").ok_or_else(unknown)?;
    let authority = &state.services.authority;
    let client = authority.clients.get(client_id).ok_or_else(unknown)?;
    let body = format!(
        "Auth0.setClient({});",
        script_json(client, authority.signer.issuer())
    );
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/javascript; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// The settings as JSON that is safe inside a script: `<`, `>` and `&` and
/// the JavaScript line separators are escaped, so no value can end the
/// script or the statement.
fn script_json(client: &Client, issuer: &str) -> String {
    let settings = json!({
        "id": client.client_id.as_str(),
        "tenant": "offline-access",
        "subscription": "free",
        "authorize": format!("{issuer}authorize"),
        "callback": client.callbacks.first(),
        "hasAllowedOrigins": !client.web_origins.is_empty(),
        "strategies": [{
            "name": "auth0",
            "connections": [{
                "name": DATABASE_CONNECTION,
                "showSignup": false,
                "showForgot": false,
            }],
        }],
    });
    settings
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// `GET /user/ssodata`: `{"sso":false}` (Lock's single sign-on hint is not
/// offered), readable with credentials by the web origins of the client the
/// query names, or of any client when it names none.
pub(super) async fn sso_data(
    State(state): State<AuthorizeState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, OAuthError> {
    let query = Params::from_urlencoded(uri.query().unwrap_or_default().as_bytes())?;
    let clients = &state.services.authority.clients;
    let client_id = query.get("client_id")?;
    let mut response = axum::Json(json!({"sso": false})).into_response();
    let out = response.headers_mut();
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let Some(origin) = header_text(&headers, header::ORIGIN) else {
        return Ok(response);
    };
    let allowed = match client_id {
        Some(id) => clients.get(id).is_some_and(|c| c.allows_origin(origin)),
        None => clients.any_allows_origin(origin),
    };
    if let (true, Ok(value)) = (allowed, HeaderValue::from_str(origin)) {
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        out.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}
