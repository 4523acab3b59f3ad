//! The claims of the service's JWTs: id tokens (OpenID Connect Core §2,
//! §5.4) and access tokens (RFC 9068 §2.2).

use serde::{Deserialize, Serialize};

use crate::ids::Scope;

/// Profile claims of a user, released according to the scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Full name (`profile` scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address (`email` scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email address was verified (`email` scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

impl Profile {
    /// The claims `scope` releases (OpenID Connect Core §5.4).
    pub fn released_for(&self, scope: &Scope) -> Profile {
        let email = scope.contains("email");
        Profile {
            name: self.name.clone().filter(|_| scope.contains("profile")),
            email: self.email.clone().filter(|_| email),
            email_verified: self.email_verified.filter(|_| email),
        }
    }
}

/// The claims of an id token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer: the public base URL with a trailing slash.
    pub iss: String,
    /// The user id.
    pub sub: String,
    /// The client the token is for.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expiry (seconds since the epoch).
    pub exp: u64,
    /// The nonce the client sent, echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// When the user signed in (OIDC Core §2); every id token minted here
    /// has it, so a client that sends `max_age` can check it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<u64>,
    /// Profile claims released by the scope.
    #[serde(flatten)]
    pub profile: Profile,
}

/// The claims of an access token for the service's own API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// Issuer.
    pub iss: String,
    /// The user id, or the client id for client credentials.
    pub sub: String,
    /// The API audience.
    pub aud: String,
    /// Space-separated scope.
    pub scope: String,
    /// The client the token was issued to.
    pub client_id: String,
    /// Issued at.
    pub iat: u64,
    /// Not before.
    pub nbf: u64,
    /// Expiry.
    pub exp: u64,
    /// A unique id (RFC 9068 §2.2, RFC 7519 §4.1.7): 128 random bits in hex.
    /// Tokens minted before it was added have none.
    #[serde(default)]
    pub jti: String,
    /// The key the token is bound to (RFC 9449 §6.1: `cnf.jkt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// RFC 7800 §3.1 confirmation: the thumbprint of the holder's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// RFC 7638 SHA-256 thumbprint, base64url (RFC 9449 §6.1).
    pub jkt: String,
}

impl AccessTokenClaims {
    /// Whether the token's scope holds `token`.
    pub fn has_scope(&self, token: &str) -> bool {
        self.scope.split(' ').any(|s| s == token)
    }
}
