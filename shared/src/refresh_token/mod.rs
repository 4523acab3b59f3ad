//! The refresh-token format: an opaque string that locates its own record and
//! carries 256 random bits, of which only a SHA-256 hash is ever stored.
//! Format 2 seals the locator under the refresh-token key set; format 1
//! (a readable locator) is still accepted, and its successor is format 2.
//! See `docs/design/token-format.md`.

mod keys;
mod sealed;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::{digest, hmac};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use subtle::ConstantTimeEq;

pub use keys::RefreshKeys;

use crate::ids::{ClientId, DeviceName, UserId};
use crate::secret::RefreshTokenValue;

/// The prefix of format 1 (a readable locator).
const LEGACY_PREFIX: &str = "rt1";
/// Bytes of randomness in each token (256 bits).
const SECRET_LEN: usize = 32;
/// The longest token we try to parse; anything longer is malformed.
pub const MAX_TOKEN_LEN: usize = 2048;

/// Why a presented string is not a refresh token of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed refresh token")]
pub struct MalformedToken;

/// The SHA-256 hash of a token's secret: the only form of it that is stored.
#[derive(Clone)]
pub struct TokenHash([u8; 32]);

/// Equality is the constant-time comparison, so no `==` can leak timing.
impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        self.matches(other)
    }
}

impl Eq for TokenHash {}

impl TokenHash {
    /// Builds a hash from stored bytes; `None` unless exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }

    /// The raw digest, for the store.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Compares two hashes in constant time.
    pub fn matches(&self, other: &TokenHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    /// A short, non-secret tag of the hash (its first 8 bytes in hex) that
    /// names the record's per-generation rotation attribute. See
    /// `docs/design/refresh-rotation.md`.
    pub fn slot_tag(&self) -> String {
        self.0.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// A token's 256-bit secret. Its `Debug` is redacted; it is never compared
/// (only its hash is).
#[derive(Clone)]
struct Secret([u8; SECRET_LEN]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash([redacted])")
    }
}

/// A parsed refresh token: where its record lives, and the hash of its secret.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    /// The user the token was issued to (the record's partition key).
    pub user_id: UserId,
    /// The client (app) the token was issued to.
    pub client_id: ClientId,
    /// The device the token was issued for.
    pub device: DeviceName,
    /// SHA-256 of the secret part.
    pub hash: TokenHash,
    /// The secret part, kept to derive the successor.
    secret: Secret,
    /// Which format, and for format 2 which key, the token came in.
    origin: Origin,
}

/// A token's format, and the key of a sealed one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// Format 1, with its locator as presented.
    Legacy(String),
    /// Format 2, sealed under the key with this id.
    Sealed(String),
}

/// Why a token could not be minted or sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a refresh token could not be made (no randomness, or no key to seal it)")]
pub struct MintError;

impl RefreshToken {
    /// The token that replaces this one on rotation, sealed under the same
    /// key: `secret(n+1) = HMAC-SHA256(K_rotate, secret(n))`. A format-1
    /// token's successor is format 2 under the current key, derived with the
    /// key format 1 used (from the signing key).
    pub fn successor(&self, keys: &RefreshKeys) -> Result<RefreshToken, MintError> {
        let (rotate, key_id) = match &self.origin {
            Origin::Sealed(id) => (&keys.by_id(id).ok_or(MintError)?.rotate, id.clone()),
            Origin::Legacy(_) => (
                keys.legacy_rotation().ok_or(MintError)?,
                keys.current().ok_or(MintError)?.id.clone(),
            ),
        };
        let tag = hmac::sign(rotate, &self.secret.0);
        let next = <[u8; SECRET_LEN]>::try_from(tag.as_ref()).map_err(|_| MintError)?;
        Ok(RefreshToken {
            user_id: self.user_id.clone(),
            client_id: self.client_id.clone(),
            device: self.device.clone(),
            hash: hash_secret(&next),
            secret: Secret(next),
            origin: Origin::Sealed(key_id),
        })
    }

    /// The token as the client holds it.
    pub fn value(&self, keys: &RefreshKeys) -> Result<RefreshTokenValue, MintError> {
        let text = match &self.origin {
            Origin::Legacy(locator) => format!(
                "{LEGACY_PREFIX}.{locator}.{}",
                URL_SAFE_NO_PAD.encode(self.secret.0)
            ),
            Origin::Sealed(id) => {
                let key = keys.by_id(id).ok_or(MintError)?;
                let locator = locator_json(&self.user_id, &self.client_id, &self.device);
                sealed::seal(key, &self.secret.0, &locator).ok_or(MintError)?
            }
        };
        Ok(RefreshTokenValue::new(text))
    }

    /// Whether the token came in the readable format 1.
    pub fn is_legacy(&self) -> bool {
        matches!(self.origin, Origin::Legacy(_))
    }
}

/// Mints a new token for (user, client, device), sealed under the current
/// key: returns the value for the client and the hash to store.
pub fn mint(
    keys: &RefreshKeys,
    user_id: &UserId,
    client_id: &ClientId,
    device: &DeviceName,
) -> Result<(RefreshTokenValue, TokenHash), MintError> {
    let key = keys.current().ok_or(MintError)?;
    let token = new_token(user_id, client_id, device, Origin::Sealed(key.id.clone()))?;
    Ok((token.value(keys)?, token.hash))
}

/// Mints a token in format 1, as issued before format 2 (for the tests of
/// the cut-over).
#[cfg(any(test, feature = "test-support"))]
pub fn mint_legacy(
    user_id: &UserId,
    client_id: &ClientId,
    device: &DeviceName,
) -> Result<(RefreshTokenValue, TokenHash), MintError> {
    let locator = URL_SAFE_NO_PAD.encode(locator_json(user_id, client_id, device));
    let token = new_token(user_id, client_id, device, Origin::Legacy(locator))?;
    let value = RefreshTokenValue::new(format!(
        "{LEGACY_PREFIX}.{}.{}",
        match &token.origin {
            Origin::Legacy(locator) => locator.as_str(),
            Origin::Sealed(_) => "",
        },
        URL_SAFE_NO_PAD.encode(token.secret.0)
    ));
    Ok((value, token.hash))
}

fn new_token(
    user_id: &UserId,
    client_id: &ClientId,
    device: &DeviceName,
    origin: Origin,
) -> Result<RefreshToken, MintError> {
    let mut secret = [0u8; SECRET_LEN];
    SystemRandom::new()
        .fill(&mut secret)
        .map_err(|_| MintError)?;
    Ok(RefreshToken {
        user_id: user_id.clone(),
        client_id: client_id.clone(),
        device: device.clone(),
        hash: hash_secret(&secret),
        secret: Secret(secret),
        origin,
    })
}

/// Parses a presented token of either format. Any input yields a token or
/// `MalformedToken`, never a panic.
pub fn parse(
    keys: &RefreshKeys,
    value: &RefreshTokenValue,
) -> Result<RefreshToken, MalformedToken> {
    let raw = value.expose_secret();
    if raw.len() > MAX_TOKEN_LEN {
        return Err(MalformedToken);
    }
    let mut parts = raw.split('.');
    let (Some(prefix), Some(middle), Some(last), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(MalformedToken);
    };
    let (secret, locator, origin) = match prefix {
        sealed::PREFIX => {
            let (id, secret, locator) = sealed::open(keys, middle, last)?;
            (secret, locator, Origin::Sealed(id.to_owned()))
        }
        LEGACY_PREFIX => {
            let secret = URL_SAFE_NO_PAD.decode(last).map_err(|_| MalformedToken)?;
            let secret = <[u8; SECRET_LEN]>::try_from(secret).map_err(|_| MalformedToken)?;
            let locator = URL_SAFE_NO_PAD.decode(middle).map_err(|_| MalformedToken)?;
            (secret, locator, Origin::Legacy(middle.to_owned()))
        }
        _ => return Err(MalformedToken),
    };
    let (user_id, client_id, device) = decode_locator(&locator)?;
    Ok(RefreshToken {
        user_id,
        client_id,
        device,
        hash: hash_secret(&secret),
        secret: Secret(secret),
        origin,
    })
}

fn hash_secret(secret: &[u8]) -> TokenHash {
    let digest = digest::digest(&digest::SHA256, secret);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    TokenHash(out)
}

/// The locator is the JSON array `[user_id, client_id, device]`:
/// unambiguous whatever characters the parts hold.
fn locator_json(user_id: &UserId, client_id: &ClientId, device: &DeviceName) -> Vec<u8> {
    let parts = [user_id.as_str(), client_id.as_str(), device.as_str()];
    // Serialising an array of strings cannot fail.
    serde_json::to_vec(&parts).unwrap_or_default()
}

fn decode_locator(json: &[u8]) -> Result<(UserId, ClientId, DeviceName), MalformedToken> {
    let (user, client, device): (String, String, String) =
        serde_json::from_slice(json).map_err(|_| MalformedToken)?;
    Ok((
        UserId::parse(user).map_err(|_| MalformedToken)?,
        ClientId::parse(client).map_err(|_| MalformedToken)?,
        DeviceName::parse(device).map_err(|_| MalformedToken)?,
    ))
}

#[cfg(test)]
mod tests;
