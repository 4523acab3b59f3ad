//! The admin console (`GET /admin`): an admin finds a user by email, sees
//! their devices with the same details as the account page, and signs out
//! one or all of them. Every action is a `security` audit event naming the
//! admin. Not signed in, the page sends the browser to the login page and
//! back; a signed-in user who is no admin gets `403`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;

use crate::domain::account::{self, credential_id, require_admin};
use crate::error::OAuthError;
use crate::http::extract::Form;
use crate::http::html::{error_page, escape, hidden_input};
use crate::http::pages::{
    check_form, csrf_token, device_cards, html, page_user, to_login, PageUser,
};
use crate::http::params::Params;
use crate::http::respond::redirect;
use crate::http::state::RevokeState;
use crate::ids::UserId;
use crate::observe::{EventCode, Metric, SecurityEvent};

/// `GET /admin[?email=…]`.
pub(super) async fn show(
    State(state): State<RevokeState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let issuer = state.services.authority.signer.issuer().to_owned();
    let user = page_user(&state, &headers)
        .await
        .map_err(|e| error_page(&e))?;
    let Some(user) = user else {
        return to_login(&issuer, "admin").map_err(|e| error_page(&e));
    };
    let query = Params::from_urlencoded(uri.query().unwrap_or_default().as_bytes())
        .map_err(|e| error_page(&e))?;
    if matches!(query.get("code"), Ok(Some(_))) {
        // Back from the login page: drop the unused code from the address bar.
        return Ok(redirect(&format!("{issuer}admin"), StatusCode::FOUND));
    }
    render(&state, &user, &query)
        .await
        .map_err(|e| error_page(&e))
}

async fn render(
    state: &RevokeState,
    user: &PageUser,
    query: &Params,
) -> Result<Response, OAuthError> {
    require_admin(&user.account)?;
    let email = query.get("email")?.unwrap_or_default().trim().to_owned();
    let csrf = csrf_token(state, user);
    let search = format!(
        "<form method=\"get\" action=\"admin\" role=\"search\"><label for=\"email\">Find a user by email</label>\
<input id=\"email\" name=\"email\" type=\"email\" required value=\"{}\">\
<button type=\"submit\">Find</button></form>",
        escape(&email)
    );
    let found = if email.is_empty() {
        String::new()
    } else {
        user_devices(state, &email, &csrf).await?
    };
    let body = format!(
        "<h1>Admin console</h1><p>Signed in as <strong>{}</strong>.</p>{search}{found}",
        escape(&user.account.username)
    );
    Ok(html("Admin console", &body))
}

async fn user_devices(state: &RevokeState, email: &str, csrf: &str) -> Result<String, OAuthError> {
    let Some((user_id, found)) = account::find_by_email(state.users.as_ref(), email).await? else {
        return Ok(format!(
            "<p role=\"status\">No user has the email {}.</p>",
            escape(email)
        ));
    };
    let clients = &state.services.authority.clients;
    let rows = account::devices((state.credentials.as_ref(), clients), &user_id, None).await?;
    let hidden = [("user_id", user_id.as_str()), ("email", email)];
    let cards = device_cards(&rows, clients, ("admin/revoke", &hidden, csrf));
    let all: String = hidden.iter().map(|(n, v)| hidden_input(n, v)).collect();
    Ok(format!(
        "<h2>{}</h2>{cards}<form method=\"post\" action=\"admin/revoke-all\">{all}{}\
<button type=\"submit\">Sign out all of this user's devices</button></form>",
        escape(&found.username),
        hidden_input("csrf_token", csrf)
    ))
}

/// `POST /admin/revoke`: signs out one device of a user.
pub(super) async fn revoke(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    body: Result<Form, OAuthError>,
) -> Result<Response, Response> {
    let Form(params) = body.map_err(|e| error_page(&e))?;
    act(&state, &headers, &params, false)
        .await
        .map_err(|e| error_page(&e))
}

/// `POST /admin/revoke-all`: signs out every device of a user, and ends
/// their sign-ins.
pub(super) async fn revoke_all(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    body: Result<Form, OAuthError>,
) -> Result<Response, Response> {
    let Form(params) = body.map_err(|e| error_page(&e))?;
    act(&state, &headers, &params, true)
        .await
        .map_err(|e| error_page(&e))
}

async fn act(
    state: &RevokeState,
    headers: &HeaderMap,
    params: &Params,
    all: bool,
) -> Result<Response, OAuthError> {
    let issuer = state.services.authority.signer.issuer().to_owned();
    let Some(admin) = page_user(state, headers).await? else {
        return Ok(redirect(&format!("{issuer}admin"), StatusCode::SEE_OTHER));
    };
    require_admin(&admin.account)?;
    check_form(state, &admin, headers, params)?;
    let unknown = || OAuthError::NotFound("No such user.".into());
    let target = params.get("user_id")?.ok_or_else(unknown)?;
    let target = UserId::parse(target.to_owned()).map_err(|_| unknown())?;
    let credentials = state.credentials.as_ref();
    let observer = &state.services.authority.observer;
    let event = SecurityEvent {
        user_id: Some(target.as_str()),
        admin: Some(admin.user_id.as_str()),
        ..SecurityEvent::new(EventCode::AdminAction, "")
    };
    if all {
        credentials.revoke_all(&target).await?;
        let detail = "an admin signed out all of a user's devices in the admin console";
        observer.security(SecurityEvent { detail, ..event }).await;
    } else {
        let id = credential_id(params.get("credential_id")?.unwrap_or_default())?;
        account::revoke(credentials, &target, &id).await?;
        let detail = "an admin signed out one of a user's devices in the admin console";
        let credential_id = Some(id.as_str());
        observer
            .security(SecurityEvent {
                detail,
                credential_id,
                ..event
            })
            .await;
    }
    observer.metric(&Metric::count("Revocations").dimension("By", "admin"));
    let email = params.get("email")?.unwrap_or_default();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("email", email)
        .finish();
    Ok(redirect(
        &format!("{issuer}admin?{query}"),
        StatusCode::SEE_OTHER,
    ))
}
