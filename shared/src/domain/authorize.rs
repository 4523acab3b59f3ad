//! The authorization endpoint's rules: the implicit grant (RFC 6749 §4.2) as
//! the classic API used it, and the code grant with PKCE (§4.1, RFC 7636).
//! Validate the client and callback before anything else, then the request.

use crate::clients::{Client, ClientRegistry, GrantType};
pub use crate::domain::redirect::{
    with_params, AuthorizationResponse, RedirectError, ResponseMode,
};
use crate::domain::sign_in_options::SignInOptions;
use crate::error::OAuthError;
use crate::ids::{DeviceName, Scope, UserId, OFFLINE_ACCESS, OPENID};
use crate::jwt::Profile;
use crate::store::Seen;

/// The scopes a user can grant at `/authorize`.
pub const SUPPORTED_SCOPES: [&str; 4] = [OPENID, "profile", "email", OFFLINE_ACCESS];
/// The longest `state` accepted, in bytes.
pub const MAX_STATE_LEN: usize = 2048;
const MAX_NONCE_LEN: usize = 512;

/// The authorization request's parameters as sent (RFC 6749 §4.1.1, §4.2.1;
/// OIDC Core §3.1.2.1), each read once by the edge; `parse_request` validates them.
#[derive(Debug, Default, Clone)]
pub struct AuthorizationParams {
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `response_type`.
    pub response_type: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `device` (the classic API's device name).
    pub device: Option<String>,
    /// `code_challenge` (RFC 7636 §4.3).
    pub code_challenge: Option<String>,
    /// `code_challenge_method`.
    pub code_challenge_method: Option<String>,
    /// Whether a `request` object was sent (OIDC Core §6.1; refused).
    pub request: bool,
    /// Whether a `request_uri` was sent (OIDC Core §6.2; refused).
    pub request_uri: bool,
    /// `prompt` (OIDC Core §3.1.2.1).
    pub prompt: Option<String>,
    /// `max_age`.
    pub max_age: Option<String>,
    /// `login_hint`.
    pub login_hint: Option<String>,
    /// `response_mode`.
    pub response_mode: Option<String>,
}

/// Who signed in, and when: what an authorization response is issued for.
#[derive(Debug, Clone, Copy)]
pub struct SignedIn<'a> {
    /// The user.
    pub user_id: &'a UserId,
    /// The profile claims.
    pub profile: &'a Profile,
    /// When the user entered their password (OIDC Core §2 `auth_time`).
    pub auth_time: u64,
    /// Where this authorization request came from.
    pub seen: &'a Seen,
}

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
    params: &AuthorizationParams,
    clients: &'a ClientRegistry,
) -> Result<Callback<'a>, OAuthError> {
    let client_id = required(&params.client_id, "client_id")?;
    let client = clients.get(client_id).ok_or_else(|| {
        OAuthError::InvalidRequest("The client_id is not a registered client.".into())
    })?;
    let redirect_uri = required(&params.redirect_uri, "redirect_uri")?;
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

fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, OAuthError> {
    value
        .as_deref()
        .ok_or_else(|| OAuthError::InvalidRequest(format!("Parameter {name} is required.")))
}

/// What the client asked `/authorize` to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// Tokens in the fragment (RFC 6749 §4.2).
    Token,
    /// A code in the query (RFC 6749 §4.1).
    Code,
}

impl ResponseType {
    /// The `response_type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Code => "code",
        }
    }
}

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// `token` or `code`.
    pub response_type: ResponseType,
    /// The PKCE S256 challenge (RFC 7636 §4.3), code flow only.
    pub code_challenge: Option<String>,
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
    /// The device the refresh token is for; the implicit flow requires it
    /// with `offline_access`, the code flow uses the browser when it is absent.
    pub device: Option<DeviceName>,
    /// `prompt`, `max_age` and `login_hint`.
    pub sign_in: SignInOptions,
    /// How the response travels to the callback.
    pub response_mode: ResponseMode,
}

impl AuthorizationParams {
    /// The response mode errors go back with: the one named, if it may carry
    /// this response type, else the response type's default.
    pub fn error_mode(&self) -> ResponseMode {
        ResponseMode::of(self.response_type.as_deref(), self.response_mode.as_deref())
    }
}

/// Validates the rest of the request, once the callback is known to be good.
pub fn parse_request(
    params: &AuthorizationParams,
    callback: &Callback<'_>,
) -> Result<AuthorizationRequest, RedirectError> {
    let state = params.state.clone();
    let fail =
        |error| RedirectError::to_callback(callback, params.error_mode(), state.clone(), error);
    check_request_objects(params).map_err(fail)?;
    let response_type = check_response_type(params, callback.client).map_err(fail)?;
    let tokens = response_type == ResponseType::Token;
    let response_mode =
        ResponseMode::requested(params.response_mode.as_deref(), tokens).map_err(fail)?;
    let code_challenge = match response_type {
        ResponseType::Code => pkce_challenge(params, callback.client).map_err(fail)?,
        ResponseType::Token => None,
    };
    let scope = parse_scope(params, callback.client).map_err(fail)?;
    let nonce = bounded(&params.nonce, "nonce", MAX_NONCE_LEN).map_err(fail)?;
    let device = match &params.device {
        Some(device) => Some(
            DeviceName::parse(device.clone())
                .map_err(|e| fail(OAuthError::InvalidRequest(e.0.into())))?,
        ),
        None => None,
    };
    // The classic rule for the implicit flow; the code flow signs in a
    // browser that names no device as that browser (`browser_device`).
    if scope.contains(OFFLINE_ACCESS) && device.is_none() && response_type == ResponseType::Token {
        return Err(fail(OAuthError::InvalidRequest(
            "The offline_access scope requires a device parameter.".into(),
        )));
    }
    let sign_in = SignInOptions::parse(
        params.prompt.as_deref(),
        params.max_age.as_deref(),
        params.login_hint.as_deref(),
    )
    .map_err(fail)?;
    if state.as_ref().is_some_and(|s| s.len() > MAX_STATE_LEN) {
        return Err(fail(OAuthError::InvalidRequest(
            "The state parameter is too long.".into(),
        )));
    }
    Ok(AuthorizationRequest {
        response_type,
        code_challenge,
        client_id: callback.client.client_id.to_string(),
        redirect_uri: callback.redirect_uri.clone(),
        scope,
        state,
        nonce,
        device,
        sign_in,
        response_mode,
    })
}

/// OIDC Core §6: this server takes no request objects, by value or by reference.
fn check_request_objects(params: &AuthorizationParams) -> Result<(), OAuthError> {
    if params.request {
        return Err(OAuthError::RequestNotSupported(
            "Request objects are not supported; send the parameters themselves.".into(),
        ));
    }
    if params.request_uri {
        return Err(OAuthError::RequestUriNotSupported(
            "request_uri is not supported; send the parameters themselves.".into(),
        ));
    }
    Ok(())
}

fn check_response_type(
    params: &AuthorizationParams,
    client: &Client,
) -> Result<ResponseType, OAuthError> {
    let (response_type, grant) = match required(&params.response_type, "response_type")? {
        "token" => (ResponseType::Token, GrantType::Implicit),
        "code" => (ResponseType::Code, GrantType::AuthorizationCode),
        _ => {
            return Err(OAuthError::UnsupportedResponseType(
                "response_type must be code or token.".into(),
            ))
        }
    };
    if !client.allows_grant(grant) {
        return Err(OAuthError::UnauthorizedClient(
            "This client may not use this response_type.".into(),
        ));
    }
    Ok(response_type)
}

/// RFC 7636 §4.3: S256 only (`plain` is refused); required for public clients.
fn pkce_challenge(
    params: &AuthorizationParams,
    client: &Client,
) -> Result<Option<String>, OAuthError> {
    let challenge = params.code_challenge.as_deref();
    match (challenge, params.code_challenge_method.as_deref()) {
        (None, None) if client.is_confidential() => Ok(None),
        (None, _) => Err(OAuthError::InvalidRequest(
            "PKCE is required: send code_challenge with code_challenge_method=S256.".into(),
        )),
        (Some(_), method) if method != Some("S256") => Err(OAuthError::InvalidRequest(
            "code_challenge_method must be S256.".into(),
        )),
        (Some(challenge), _) if crate::domain::pkce::is_valid_challenge(challenge) => {
            Ok(Some(challenge.to_owned()))
        }
        (Some(_), _) => Err(OAuthError::InvalidRequest(
            "code_challenge must be 43 base64url characters (S256).".into(),
        )),
    }
}

fn parse_scope(params: &AuthorizationParams, client: &Client) -> Result<Scope, OAuthError> {
    let scope = Scope::parse(params.scope.as_deref().unwrap_or(OPENID))
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

fn bounded(value: &Option<String>, name: &str, max: usize) -> Result<Option<String>, OAuthError> {
    match value {
        Some(value) if value.len() > max || value.chars().any(char::is_control) => {
            Err(OAuthError::InvalidRequest(format!(
                "The {name} parameter is too long or holds control characters."
            )))
        }
        value => Ok(value.clone()),
    }
}

impl AuthorizationRequest {
    /// The request as the hidden fields of the login form.
    pub fn hidden_fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("response_type", self.response_type.as_str().to_owned()),
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
        if let Some(challenge) = &self.code_challenge {
            fields.push(("code_challenge", challenge.clone()));
            fields.push(("code_challenge_method", "S256".to_owned()));
        }
        fields.extend(self.sign_in.hidden_fields());
        let default = ResponseMode::default_for(self.response_type == ResponseType::Token);
        if self.response_mode != default {
            fields.push(("response_mode", self.response_mode.as_str().to_owned()));
        }
        fields
    }

    /// An unambiguous serialization that the login-form token signs.
    pub fn canonical(&self) -> String {
        serde_json::to_string(&self.hidden_fields()).unwrap_or_default()
    }
}
