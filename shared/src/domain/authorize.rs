//! The authorization endpoint's rules (RFC 6749 §4.2, the implicit grant, as
//! the classic API used it): validate the client and callback before anything
//! else, then the request, then sign the user in and issue the tokens.

use url::form_urlencoded::Serializer;

use crate::clients::{Client, ClientRegistry, GrantType};
use crate::error::OAuthError;
use crate::http::params::Params;
use crate::ids::{DeviceName, Scope, OFFLINE_ACCESS, OPENID};

/// The scopes a user can grant at `/authorize`.
pub const SUPPORTED_SCOPES: [&str; 4] = [OPENID, "profile", "email", OFFLINE_ACCESS];
const MAX_STATE_LEN: usize = 2048;
const MAX_NONCE_LEN: usize = 512;

/// A client and a callback that exactly matches one it registered.
#[derive(Debug)]
pub struct Callback<'a> {
    /// The client.
    pub client: &'a Client,
    /// The validated `redirect_uri`.
    pub redirect_uri: String,
}

/// Checks `client_id` and `redirect_uri` first (RFC 6749 §4.2.2.1): if either
/// is wrong the user agent must not be redirected, so the error is shown on a page.
pub fn locate_callback<'a>(
    params: &Params,
    clients: &'a ClientRegistry,
) -> Result<Callback<'a>, OAuthError> {
    let client_id = params.require("client_id")?;
    let client = clients.get(client_id).ok_or_else(|| {
        OAuthError::InvalidRequest("The client_id is not a registered client.".into())
    })?;
    let redirect_uri = params.require("redirect_uri")?;
    if !client.allows_callback(redirect_uri) {
        return Err(OAuthError::InvalidRequest(
            "The redirect_uri is not registered for this client.".into(),
        ));
    }
    Ok(Callback {
        client,
        redirect_uri: redirect_uri.to_owned(),
    })
}

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// The client.
    pub client_id: String,
    /// The validated callback.
    pub redirect_uri: String,
    /// The requested scope, all of it supported and allowed for the client.
    pub scope: Scope,
    /// The client's opaque state, echoed back.
    pub state: Option<String>,
    /// The OpenID Connect nonce, put in the id token.
    pub nonce: Option<String>,
    /// The device the refresh token is for; required with `offline_access`.
    pub device: Option<DeviceName>,
}

/// An error that is sent back to the validated callback (RFC 6749 §4.2.2.1).
#[derive(Debug)]
pub struct RedirectError {
    /// Where to send it.
    pub redirect_uri: String,
    /// The state to echo.
    pub state: Option<String>,
    /// The error.
    pub error: OAuthError,
}

impl RedirectError {
    /// `redirect_uri#error=…&error_description=…&state=…`.
    pub fn location(&self) -> String {
        let mut fragment = Serializer::new(String::new());
        fragment.append_pair("error", self.error.code());
        fragment.append_pair("error_description", &self.error.description());
        if let Some(state) = &self.state {
            fragment.append_pair("state", state);
        }
        format!("{}#{}", self.redirect_uri, fragment.finish())
    }
}

/// Validates the rest of the request, once the callback is known to be good.
pub fn parse_request(
    params: &Params,
    callback: &Callback<'_>,
) -> Result<AuthorizationRequest, RedirectError> {
    let fail = |state: Option<String>, error| RedirectError {
        redirect_uri: callback.redirect_uri.clone(),
        state,
        error,
    };
    let state = params
        .get("state")
        .map_err(|e| fail(None, e))?
        .map(str::to_owned);
    let fail = |error| fail(state.clone(), error);
    check_response_type(params, callback.client).map_err(fail)?;
    let scope = parse_scope(params, callback.client).map_err(fail)?;
    let nonce = bounded(params, "nonce", MAX_NONCE_LEN).map_err(fail)?;
    let device = match params.get("device").map_err(fail)? {
        Some(device) => Some(
            DeviceName::parse(device.to_owned())
                .map_err(|e| fail(OAuthError::InvalidRequest(e.0.into())))?,
        ),
        None => None,
    };
    if scope.contains(OFFLINE_ACCESS) && device.is_none() {
        return Err(fail(OAuthError::InvalidRequest(
            "The offline_access scope requires a device parameter.".into(),
        )));
    }
    if state.as_ref().is_some_and(|s| s.len() > MAX_STATE_LEN) {
        return Err(fail(OAuthError::InvalidRequest(
            "The state parameter is too long.".into(),
        )));
    }
    Ok(AuthorizationRequest {
        client_id: callback.client.client_id.to_string(),
        redirect_uri: callback.redirect_uri.clone(),
        scope,
        state,
        nonce,
        device,
    })
}

fn check_response_type(params: &Params, client: &Client) -> Result<(), OAuthError> {
    match params.require("response_type")? {
        "token" if client.allows_grant(GrantType::Implicit) => Ok(()),
        "token" => Err(OAuthError::UnauthorizedClient(
            "This client may not use the implicit flow.".into(),
        )),
        _ => Err(OAuthError::UnsupportedResponseType(
            "Only response_type=token is supported.".into(),
        )),
    }
}

fn parse_scope(params: &Params, client: &Client) -> Result<Scope, OAuthError> {
    let scope = Scope::parse(params.get("scope")?.unwrap_or(OPENID))
        .map_err(|e| OAuthError::InvalidScope(e.0.into()))?;
    if let Some(unknown) = scope.iter().find(|s| !SUPPORTED_SCOPES.contains(s)) {
        let unknown: String = unknown.chars().take(64).collect();
        return Err(OAuthError::InvalidScope(format!(
            "The scope {unknown} is not supported."
        )));
    }
    if !scope.is_subset(&client.allowed_scope()) {
        return Err(OAuthError::InvalidScope(
            "The client may not ask for this scope.".into(),
        ));
    }
    Ok(scope)
}

fn bounded(params: &Params, name: &str, max: usize) -> Result<Option<String>, OAuthError> {
    match params.get(name)? {
        Some(value) if value.len() > max || value.chars().any(char::is_control) => {
            Err(OAuthError::InvalidRequest(format!(
                "The {name} parameter is too long or holds control characters."
            )))
        }
        value => Ok(value.map(str::to_owned)),
    }
}

impl AuthorizationRequest {
    /// The request as the hidden fields of the login form.
    pub fn hidden_fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("response_type", "token".to_owned()),
            ("client_id", self.client_id.clone()),
            ("redirect_uri", self.redirect_uri.clone()),
            ("scope", self.scope.to_string()),
        ];
        let optional = [("state", &self.state), ("nonce", &self.nonce)];
        fields.extend(
            optional
                .into_iter()
                .filter_map(|(k, v)| v.clone().map(|v| (k, v))),
        );
        if let Some(device) = &self.device {
            fields.push(("device", device.to_string()));
        }
        fields
    }

    /// An unambiguous serialization that the login-form token signs.
    pub fn canonical(&self) -> String {
        serde_json::to_string(&self.hidden_fields()).unwrap_or_default()
    }
}
