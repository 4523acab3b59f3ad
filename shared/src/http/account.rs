//! "Your devices" (`GET /account`): a signed-in user sees each app and
//! device signed in as them, revokes one, or signs out everywhere else.
//! Not signed in, the page sends the browser to the login page and back.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;

use crate::domain::account::{self, credential_id};
use crate::error::OAuthError;
use crate::http::extract::Form;
use crate::http::html::{error_page, escape, hidden_input};
use crate::http::pages::{
    browser_tag, check_form, csrf_token, device_cards, html, page_user, to_login, PageUser,
};
use crate::http::respond::redirect;
use crate::http::state::RevokeState;
use crate::observe::{EventCode, Metric, SecurityEvent};

/// `GET /account`.
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
        return to_login(&issuer, "account").map_err(|e| error_page(&e));
    };
    if uri.query().is_some() {
        // Back from the login page: drop the unused code from the address bar.
        return Ok(redirect(&format!("{issuer}account"), StatusCode::FOUND));
    }
    render(&state, &user, &headers)
        .await
        .map_err(|e| error_page(&e))
}

async fn render(
    state: &RevokeState,
    user: &PageUser,
    headers: &HeaderMap,
) -> Result<Response, OAuthError> {
    let clients = &state.services.authority.clients;
    let tag = browser_tag(headers);
    let rows = account::devices(
        (state.credentials.as_ref(), clients),
        &user.user_id,
        tag.as_deref(),
    )
    .await?;
    let csrf = csrf_token(state, user);
    let cards = device_cards(&rows, clients, ("account/revoke", &[], &csrf));
    let others = if rows.iter().any(|r| !r.this_device) {
        format!(
            "<form method=\"post\" action=\"account/sign-out-others\">{}\
<button type=\"submit\">Sign out everywhere else</button></form>",
            hidden_input("csrf_token", &csrf)
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>Your devices</h1><p>Signed in as <strong>{}</strong>. These apps and devices \
can get new tokens for you without asking again. Sign out any you don't recognise.</p>{cards}{others}",
        escape(&user.account.username)
    );
    Ok(html("Your devices", &body))
}

/// `POST /account/revoke`: signs out one of the user's own devices.
pub(super) async fn revoke(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    body: Result<Form, OAuthError>,
) -> Result<Response, Response> {
    let Form(params) = body.map_err(|e| error_page(&e))?;
    act(&state, &headers, &params, Action::One)
        .await
        .map_err(|e| error_page(&e))
}

/// `POST /account/sign-out-others`: signs out every device but this one.
pub(super) async fn sign_out_others(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    body: Result<Form, OAuthError>,
) -> Result<Response, Response> {
    let Form(params) = body.map_err(|e| error_page(&e))?;
    act(&state, &headers, &params, Action::Others)
        .await
        .map_err(|e| error_page(&e))
}

enum Action {
    One,
    Others,
}

async fn act(
    state: &RevokeState,
    headers: &HeaderMap,
    params: &crate::http::params::Params,
    action: Action,
) -> Result<Response, OAuthError> {
    let issuer = state.services.authority.signer.issuer().to_owned();
    let Some(user) = page_user(state, headers).await? else {
        return Ok(redirect(&format!("{issuer}account"), StatusCode::SEE_OTHER));
    };
    check_form(state, &user, headers, params)?;
    let credentials = state.credentials.as_ref();
    match action {
        Action::One => {
            let id = params.get("credential_id")?.unwrap_or_default();
            let id = credential_id(id)?;
            account::revoke(credentials, &user.user_id, &id).await?;
            revoked_event(
                state,
                &user,
                Some(id.as_str()),
                "a user signed out one of their devices on the account page",
            )
            .await;
        }
        Action::Others => {
            let tag = browser_tag(headers);
            account::revoke_others(credentials, &user.user_id, tag.as_deref()).await?;
            revoked_event(
                state,
                &user,
                None,
                "a user signed out everywhere else on the account page",
            )
            .await;
        }
    }
    Ok(redirect(&format!("{issuer}account"), StatusCode::SEE_OTHER))
}

async fn revoked_event(
    state: &RevokeState,
    user: &PageUser,
    credential_id: Option<&str>,
    detail: &'static str,
) {
    let observer = &state.services.authority.observer;
    observer.metric(&Metric::count("Revocations").dimension("By", "user"));
    let event = SecurityEvent {
        user_id: Some(user.user_id.as_str()),
        credential_id,
        ..SecurityEvent::new(EventCode::RevokedByUser, detail)
    };
    observer.security(event).await;
}
