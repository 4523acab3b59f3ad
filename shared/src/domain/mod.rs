//! The domain: token, session and access rules, free of HTTP and DynamoDB.
//! It takes typed requests the edge (`http`) has parsed, and reaches the
//! store only through the narrow traits in `store` (`docs/design/layering.md`).

pub mod account;
pub mod authorize;
pub mod browser_device;
pub mod brute_force;
pub mod client_auth;
pub mod code_grant;
pub mod credentials;
pub mod delegation;
pub mod device_view;
pub mod discovery;
pub mod dpop;
pub mod implicit_grant;
pub mod login_form;
pub mod logout;
pub mod password;
pub mod pkce;
pub mod redirect;
pub mod refresh;
pub mod requester;
pub mod revocation;
pub mod session;
pub mod sign_in;
pub mod sign_in_options;
pub mod token;
pub mod userinfo;
pub mod users;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::clients::ClientRegistry;
use crate::error::{Fault, OAuthError};
use crate::jwt::TokenSigner;
use crate::observe::Observer;
use crate::refresh_token::RefreshKeys;

/// The authorization server's own parts, built once at cold start: the
/// signer (with the keys derived from it) and the registered clients.
#[derive(Debug)]
pub struct Authority {
    /// Mints and verifies JWTs with the parsed signing key.
    pub signer: TokenSigner,
    /// The registered clients.
    pub clients: ClientRegistry,
    /// Seals refresh tokens and derives their successors.
    pub refresh_keys: RefreshKeys,
    /// Whether DPoP proofs at the token endpoint must carry the server's
    /// nonce (RFC 9449 §8).
    pub dpop_nonce_required: bool,
    /// Security events and metrics.
    pub observer: Observer,
}

impl Authority {
    /// The key of the server's DPoP nonces, when proofs must carry one.
    pub fn dpop_nonce_key(&self) -> Option<&aws_lc_rs::hmac::Key> {
        self.dpop_nonce_required
            .then(|| self.refresh_keys.dpop_nonce_key())
            .flatten()
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, OAuthError> {
    let mut bytes = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Fault::Random)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
