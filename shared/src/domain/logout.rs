//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2, §3): the
//! client sends the browser to end its sign-in at the authorization server,
//! and may name where to come back to. Refresh-token sessions (devices) are
//! not ended by a logout; "sign out everywhere" ends both.

use url::form_urlencoded::Serializer;

use crate::domain::authorize::with_params;
use crate::domain::Authority;
use crate::error::OAuthError;
use crate::secret::Jwt;

/// A logout request's parameters, as the edge read them.
#[derive(Debug, Default)]
pub struct LogoutRequest {
    /// `id_token_hint`: an id token this server issued, expired or not.
    pub id_token_hint: Option<Jwt>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `post_logout_redirect_uri`: registered for the client, exactly.
    pub post_logout_redirect_uri: Option<String>,
    /// `state`, passed back on the redirect.
    pub state: Option<String>,
}

fn invalid(message: &str) -> OAuthError {
    OAuthError::InvalidRequest(message.into())
}

/// Checks the request (§2): the hint must be ours and agree with
/// `client_id`, and a redirect needs a client that registered it exactly.
/// Returns where to send the browser afterwards, if anywhere.
pub fn validate(
    authority: &Authority,
    request: &LogoutRequest,
) -> Result<Option<String>, OAuthError> {
    let hinted = match &request.id_token_hint {
        Some(hint) => Some(
            authority
                .signer
                .verify_id_token_hint(hint.expose_secret())
                .map_err(|_| invalid("The id_token_hint is not an id token of this server."))?
                .aud,
        ),
        None => None,
    };
    let client_id = match (&request.client_id, hinted) {
        (Some(named), Some(hinted)) if *named != hinted => {
            return Err(invalid(
                "client_id differs from the id_token_hint's audience.",
            ))
        }
        (Some(named), _) => Some(named.clone()),
        (None, hinted) => hinted,
    };
    if client_id
        .as_deref()
        .is_some_and(|id| authority.clients.get(id).is_none())
    {
        return Err(invalid("The client_id is not a registered client."));
    }
    let Some(uri) = &request.post_logout_redirect_uri else {
        return Ok(None);
    };
    let client = client_id
        .as_deref()
        .and_then(|id| authority.clients.get(id))
        .ok_or_else(|| invalid("A post_logout_redirect_uri needs client_id or id_token_hint."))?;
    if !client.allows_post_logout_redirect(uri) {
        return Err(invalid(
            "The post_logout_redirect_uri is not registered for this client.",
        ));
    }
    let mut query = Serializer::new(String::new());
    if let Some(state) = &request.state {
        query.append_pair("state", state);
    }
    let query = query.finish();
    Ok(Some(if query.is_empty() {
        uri.clone()
    } else {
        with_params(uri, &query, true)
    }))
}
