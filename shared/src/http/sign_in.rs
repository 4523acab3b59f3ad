//! The login form's `POST /authorize`: check the form, then the password
//! behind the brute-force limits (`docs/design/brute-force.md`), then start
//! the browser's sign-in and answer the authorization request.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use crate::domain::authorize::{AuthorizationRequest, Callback, SignedIn};
use crate::domain::brute_force::{self, Attempt};
use crate::domain::login_form::FormError;
use crate::domain::now;
use crate::domain::sign_in as sign_in_session;
use crate::error::OAuthError;
use crate::http::authorization::{authorization_request, begin, is_authorization_request};
use crate::http::cookies;
use crate::http::extract::Form;
use crate::http::html::error_page;
use crate::http::login::{check_form_token, render_login, Retry};
use crate::http::peer::SourceAddress;
use crate::http::respond::respond;
use crate::http::state::AuthorizeState;
use crate::observe::{EventCode, Metric, Observer, SecurityEvent};
use crate::secret::Password;
use crate::store::{Seen, UserRecord};

/// `POST /authorize`: check the form, sign in, issue, redirect.
#[tracing::instrument(skip_all, fields(client_id = tracing::field::Empty))]
pub(super) async fn submit_login(
    State(state): State<AuthorizeState>,
    SourceAddress(address): SourceAddress,
    seen: Seen,
    headers: HeaderMap,
    body: Result<Form, OAuthError>,
) -> Result<Response, Response> {
    let Form(params) = body.map_err(|err| error_page(&err))?;
    if is_authorization_request(&params) {
        return begin(&state, &params, (&headers, &seen), StatusCode::SEE_OTHER).await;
    }
    let (callback, request) = authorization_request(&params, &state.services.authority)
        .map_err(|refusal| refusal.after_post())?;
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
    let observer = &state.services.authority.observer;
    let attempt = brute_force::attempt(
        (state.users.as_ref(), state.failures.as_ref(), observer),
        &state.services.sign_in_limits,
        (username, &address),
        Password::new(password),
        now(),
    )
    .await
    .map_err(|err| error_page(&err))?;
    sign_in_event(observer, &attempt, &address).await;
    match attempt {
        Attempt::SignedIn(user) => signed_in(&state, &callback, request, &user, (&headers, &seen))
            .await
            .map_err(|err| error_page(&err)),
        Attempt::Failed => Err(again("Wrong email or password.", StatusCode::UNAUTHORIZED)),
        Attempt::Blocked { retry_after } => {
            let minutes = retry_after.div_ceil(60);
            let message = format!(
                "Too many failed sign-ins. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            );
            let mut page = again(&message, StatusCode::TOO_MANY_REQUESTS);
            page.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            Err(page)
        }
    }
}

/// Counts a sign-in by outcome (`ok`, `failed`, `blocked`) and logs its
/// security event (a block's own event is logged once, when it starts).
async fn sign_in_event(observer: &Observer, attempt: &Attempt, address: &str) {
    let (outcome, code, user_id) = match attempt {
        Attempt::SignedIn(user) => ("ok", Some(EventCode::SignInOk), Some(user.user_id.as_str())),
        Attempt::Failed => ("failed", Some(EventCode::SignInFailed), None),
        Attempt::Blocked { .. } => ("blocked", None, None),
    };
    observer.metric(&Metric::count("SignIns").dimension("Outcome", outcome));
    if let Some(code) = code {
        let event = SecurityEvent {
            user_id,
            address: Some(address),
            ..SecurityEvent::new(code, "a password sign-in")
        };
        observer.security(event).await;
    }
}

/// After the password: starts the browser's sign-in (its cookie), then
/// answers the request with a `303`.
async fn signed_in(
    state: &AuthorizeState,
    callback: &Callback<'_>,
    request: AuthorizationRequest,
    user: &UserRecord,
    (headers, seen): (&HeaderMap, &Seen),
) -> Result<Response, OAuthError> {
    let now = now();
    let ttl = state.services.sign_in_ttl;
    let cookie = sign_in_session::start(state.sign_ins.as_ref(), &user.user_id, now, ttl).await?;
    let signed_in = SignedIn {
        user_id: &user.user_id,
        profile: &user.profile,
        auth_time: now,
        seen,
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
