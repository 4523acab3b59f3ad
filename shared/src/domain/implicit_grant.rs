//! Signing the user in and issuing the tokens of the implicit grant
//! (RFC 6749 §4.2.2), with a refresh token bound to the app, user and device.

use crate::clients::Client;
use crate::domain::authorize::{AuthorizationRequest, AuthorizationResponse, SignedIn};
use crate::domain::session::{self, new_credential_id, offline_device, NewSession};
use crate::domain::token::{mint_user_tokens, Subject};
use crate::domain::{now, Authority};
use crate::error::OAuthError;
use crate::ids::Scope;
use crate::secret::{Jwt, RefreshTokenValue};
use crate::store::Sessions;

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
    /// `redirect_uri#access_token=…&token_type=Bearer&expires_in=…&id_token=…&state=…&refresh_token=…&iss=…`
    /// (`iss` by RFC 9207 §2).
    pub fn response(&self, request: &AuthorizationRequest, issuer: &str) -> AuthorizationResponse {
        let mut params = vec![
            ("access_token", self.access_token.expose_secret().to_owned()),
            ("token_type", "Bearer".to_owned()),
            ("expires_in", self.expires_in.to_string()),
            ("scope", self.scope.to_string()),
        ];
        if let Some(id_token) = &self.id_token {
            params.push(("id_token", id_token.expose_secret().to_owned()));
        }
        if let Some(state) = &request.state {
            params.push(("state", state.clone()));
        }
        if let Some(refresh_token) = &self.refresh_token {
            params.push(("refresh_token", refresh_token.expose_secret().to_owned()));
        }
        let params = params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        AuthorizationResponse::new(&request.redirect_uri, request.response_mode, params, issuer)
    }
}

/// Issues the tokens. The refresh-token record is written (replacing any for
/// the same app, user and device) before anything is returned.
pub async fn grant(
    authority: &Authority,
    sessions: &dyn Sessions,
    client: &Client,
    user: &SignedIn<'_>,
    request: &AuthorizationRequest,
) -> Result<ImplicitGrant, OAuthError> {
    let subject = Subject {
        sub: user.user_id.as_str(),
        profile: user.profile,
        nonce: request.nonce.as_deref(),
        auth_time: user.auth_time,
        jkt: None,
    };
    let (access_token, expires_in, id_token) =
        mint_user_tokens(authority, client, &subject, &request.scope)?;
    let refresh_token = match offline_device(client, &request.scope, request.device.as_ref()) {
        Some(device) => {
            let session = NewSession {
                user_id: user.user_id,
                profile: user.profile,
                device,
                scope: &request.scope,
                credential_id: new_credential_id()?,
                dpop_jkt: None,
                first_seen: user.seen.clone(),
                last_seen: user.seen.clone(),
            };
            Some(session::start(sessions, &authority.refresh_keys, client, session, now()).await?)
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
