//! Client authentication at the token endpoints (RFC 6749 §2.3.1): the
//! methods offered and the check of what a client presented. Reading the
//! credentials from the request is the edge's (`http::client_auth`).

use crate::clients::{Client, ClientRegistry};
use crate::error::OAuthError;
use crate::secret::ClientSecret;

/// The client authentication methods of the token and revocation endpoints.
pub const TOKEN_ENDPOINT_AUTH_METHODS: [&str; 3] =
    ["client_secret_basic", "client_secret_post", "none"];
/// Introspection is for confidential clients only.
pub const INTROSPECTION_AUTH_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];

/// What the client presented to identify itself (HTTP Basic, the body, or
/// only its id), as the edge read it.
#[derive(Debug)]
pub struct PresentedClient {
    /// The client id.
    pub client_id: String,
    /// The secret, if one was sent.
    pub secret: Option<ClientSecret>,
}

/// Finds the client and checks its secret: confidential clients must send the
/// right one; public clients must send none.
pub fn authenticate<'a>(
    clients: &'a ClientRegistry,
    presented: &PresentedClient,
) -> Result<&'a Client, OAuthError> {
    let client = clients
        .get(&presented.client_id)
        .ok_or_else(|| OAuthError::InvalidClient("Unknown client.".into()))?;
    match (&presented.secret, client.is_confidential()) {
        (Some(secret), true) if client.secret_matches(secret) => Ok(client),
        (None, false) => Ok(client),
        (_, true) => Err(OAuthError::InvalidClient(
            "Client authentication failed.".into(),
        )),
        (Some(_), false) => Err(OAuthError::InvalidClient(
            "A public client must not send a secret.".into(),
        )),
    }
}
