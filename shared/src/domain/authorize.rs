//! The authorization endpoint's rules (RFC 6749 §4.2, the implicit grant, as
//! the classic API used it): validate the client and callback before anything
//! else, then the request, then sign the user in and issue the tokens.

use url::form_urlencoded::Serializer;

use crate::app::Services;
use crate::clients::{Client, ClientRegistry, GrantType};
use crate::domain::{now, random_hex};
use crate::error::OAuthError;
use crate::http::params::Params;
use crate::ids::{CredentialId, DeviceName, Scope, OFFLINE_ACCESS, OPENID};
use crate::jwt::IdTokenRequest;
use crate::refresh_token;
use crate::secret::{Jwt, Password, RefreshTokenValue};
use crate::store::{RefreshTokenIssuer, RefreshTokenRecord, UserDirectory, UserRecord};

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

/// Finds the user and checks the password (argon2id, off the async threads).
pub async fn sign_in(
    users: &dyn UserDirectory,
    username: &str,
    password: Password,
) -> Result<Option<UserRecord>, OAuthError> {
    let user = users.find_user(username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let verified = tokio::task::spawn_blocking(move || {
        crate::domain::password::verify_password(&password, hash.as_ref())
    })
    .await
    .map_err(|_| OAuthError::ServerError("password check did not finish".into()))?;
    Ok(user.filter(|_| verified))
}

/// The tokens of a successful implicit grant (RFC 6749 §4.2.2).
#[derive(Debug)]
pub struct ImplicitGrant {
    access_token: Jwt,
    expires_in: u64,
    id_token: Option<Jwt>,
    refresh_token: Option<RefreshTokenValue>,
    scope: Scope,
}

impl ImplicitGrant {
    /// `redirect_uri#access_token=…&token_type=Bearer&expires_in=…&id_token=…&state=…&refresh_token=…`.
    pub fn location(&self, request: &AuthorizationRequest) -> String {
        let mut fragment = Serializer::new(String::new());
        fragment.append_pair("access_token", self.access_token.expose_secret());
        fragment.append_pair("token_type", "Bearer");
        fragment.append_pair("expires_in", &self.expires_in.to_string());
        fragment.append_pair("scope", &self.scope.to_string());
        if let Some(id_token) = &self.id_token {
            fragment.append_pair("id_token", id_token.expose_secret());
        }
        if let Some(state) = &request.state {
            fragment.append_pair("state", state);
        }
        if let Some(refresh_token) = &self.refresh_token {
            fragment.append_pair("refresh_token", refresh_token.expose_secret());
        }
        format!("{}#{}", request.redirect_uri, fragment.finish())
    }
}

/// Issues the tokens. The refresh-token record is written (replacing any for
/// the same app, user and device) before anything is returned.
pub async fn grant(
    services: &Services,
    tokens: &dyn RefreshTokenIssuer,
    client: &Client,
    user: &UserRecord,
    request: &AuthorizationRequest,
) -> Result<ImplicitGrant, OAuthError> {
    let now = now();
    let signer = &services.signer;
    let sign_failed = |_| OAuthError::ServerError("token signing failed".into());
    let (access_token, expires_in) = signer
        .mint_access_token(
            user.user_id.as_str(),
            &client.client_id,
            &request.scope,
            now,
        )
        .map_err(sign_failed)?;
    let id_token = if request.scope.contains(OPENID) {
        let id_request = IdTokenRequest {
            sub: user.user_id.as_str(),
            audience: &client.client_id,
            profile: &user.profile,
            scope: &request.scope,
            nonce: request.nonce.as_deref(),
        };
        Some(
            signer
                .mint_id_token(&id_request, now)
                .map_err(sign_failed)?
                .0,
        )
    } else {
        None
    };
    let refresh_token = match (
        &request.device,
        request.scope.contains(OFFLINE_ACCESS) && client.refresh_tokens,
    ) {
        (Some(device), true) => {
            Some(issue_refresh_token(tokens, client, user, device, &request.scope, now).await?)
        }
        _ => None,
    };
    Ok(ImplicitGrant {
        access_token,
        expires_in,
        id_token,
        refresh_token,
        scope: request.scope.clone(),
    })
}

async fn issue_refresh_token(
    tokens: &dyn RefreshTokenIssuer,
    client: &Client,
    user: &UserRecord,
    device: &DeviceName,
    scope: &Scope,
    now: u64,
) -> Result<RefreshTokenValue, OAuthError> {
    let (value, token_hash) = refresh_token::mint(&user.user_id, &client.client_id, device)
        .map_err(|_| OAuthError::ServerError("random generator failed".into()))?;
    let credential_id = CredentialId::parse(format!("dcr_{}", random_hex(16)?))
        .map_err(|_| OAuthError::ServerError("credential id".into()))?;
    let record = RefreshTokenRecord {
        user_id: user.user_id.clone(),
        client_id: client.client_id.clone(),
        device: device.clone(),
        credential_id,
        token_hash,
        scope: scope.clone(),
        created_at: now,
        last_used_at: now,
        profile: user.profile.clone(),
    };
    tokens.put_refresh_token(&record).await?;
    tracing::info!(credential_id = %record.credential_id, client_id = %client.client_id, "refresh token issued");
    Ok(value)
}
