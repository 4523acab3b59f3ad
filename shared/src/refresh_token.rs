//! The refresh-token format: an opaque string that locates its own record and
//! carries 256 random bits, of which only a SHA-256 hash is ever stored.
//! See `docs/design/token-format.md`.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::{digest, hmac};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use subtle::ConstantTimeEq;

use crate::ids::{ClientId, DeviceName, UserId};
use crate::secret::RefreshTokenValue;

/// The prefix that names the format version.
const PREFIX: &str = "rt1";
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
    /// The locator part, as presented (a successor reuses it).
    locator: String,
}

impl RefreshToken {
    /// The token that replaces this one on rotation:
    /// `secret(n+1) = HMAC-SHA256(K, secret(n))`, same locator.
    pub fn successor(&self, key: &hmac::Key) -> RefreshToken {
        let tag = hmac::sign(key, &self.secret.0);
        let mut next = [0u8; SECRET_LEN];
        next.copy_from_slice(tag.as_ref());
        RefreshToken {
            user_id: self.user_id.clone(),
            client_id: self.client_id.clone(),
            device: self.device.clone(),
            hash: hash_secret(&next),
            secret: Secret(next),
            locator: self.locator.clone(),
        }
    }

    /// The token as the client holds it.
    pub fn value(&self) -> RefreshTokenValue {
        RefreshTokenValue::new(format!(
            "{PREFIX}.{}.{}",
            self.locator,
            URL_SAFE_NO_PAD.encode(self.secret.0)
        ))
    }
}

/// Mints a new token for (user, client, device): returns the value for the
/// client and the hash to store.
pub fn mint(
    user_id: &UserId,
    client_id: &ClientId,
    device: &DeviceName,
) -> Result<(RefreshTokenValue, TokenHash), aws_lc_rs::error::Unspecified> {
    let mut secret = [0u8; SECRET_LEN];
    SystemRandom::new().fill(&mut secret)?;
    let token = RefreshToken {
        user_id: user_id.clone(),
        client_id: client_id.clone(),
        device: device.clone(),
        hash: hash_secret(&secret),
        secret: Secret(secret),
        locator: encode_locator(user_id, client_id, device),
    };
    Ok((token.value(), token.hash))
}

/// Parses a presented token. Any input yields a token or `MalformedToken`, never a panic.
pub fn parse(value: &RefreshTokenValue) -> Result<RefreshToken, MalformedToken> {
    let raw = value.expose_secret();
    if raw.len() > MAX_TOKEN_LEN {
        return Err(MalformedToken);
    }
    let mut parts = raw.split('.');
    let (Some(PREFIX), Some(locator), Some(secret), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(MalformedToken);
    };
    let secret = URL_SAFE_NO_PAD.decode(secret).map_err(|_| MalformedToken)?;
    let secret = <[u8; SECRET_LEN]>::try_from(secret).map_err(|_| MalformedToken)?;
    let (user_id, client_id, device) = decode_locator(locator)?;
    Ok(RefreshToken {
        user_id,
        client_id,
        device,
        hash: hash_secret(&secret),
        secret: Secret(secret),
        locator: locator.to_owned(),
    })
}

fn hash_secret(secret: &[u8]) -> TokenHash {
    let digest = digest::digest(&digest::SHA256, secret);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    TokenHash(out)
}

/// The locator is base64url of a JSON array `[user_id, client_id, device]`:
/// unambiguous whatever characters the parts hold.
fn encode_locator(user_id: &UserId, client_id: &ClientId, device: &DeviceName) -> String {
    let parts = [user_id.as_str(), client_id.as_str(), device.as_str()];
    // Serialising an array of strings cannot fail.
    let json = serde_json::to_vec(&parts).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode_locator(locator: &str) -> Result<(UserId, ClientId, DeviceName), MalformedToken> {
    let json = URL_SAFE_NO_PAD
        .decode(locator)
        .map_err(|_| MalformedToken)?;
    let (user, client, device): (String, String, String) =
        serde_json::from_slice(&json).map_err(|_| MalformedToken)?;
    Ok((
        UserId::parse(user).map_err(|_| MalformedToken)?,
        ClientId::parse(client).map_err(|_| MalformedToken)?,
        DeviceName::parse(device).map_err(|_| MalformedToken)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids() -> (UserId, ClientId, DeviceName) {
        (
            UserId::parse("usr_1".to_owned()).unwrap(),
            ClientId::parse("app".to_owned()).unwrap(),
            DeviceName::parse("Pixel 9 \"work\"".to_owned()).unwrap(),
        )
    }

    #[test]
    fn a_minted_token_parses_back_to_its_binding_and_hash() {
        let (user, client, device) = ids();
        let (value, hash) = mint(&user, &client, &device).unwrap();
        let parsed = parse(&value).unwrap();
        assert_eq!(parsed.user_id, user);
        assert_eq!(parsed.client_id, client);
        assert_eq!(parsed.device, device);
        assert!(parsed.hash.matches(&hash));
    }

    #[test]
    fn two_tokens_for_the_same_binding_differ() {
        let (user, client, device) = ids();
        let (a, _) = mint(&user, &client, &device).unwrap();
        let (b, _) = mint(&user, &client, &device).unwrap();
        assert_ne!(a.expose_secret(), b.expose_secret());
    }

    #[test]
    fn a_flipped_secret_byte_changes_the_hash() {
        let (user, client, device) = ids();
        let (value, hash) = mint(&user, &client, &device).unwrap();
        let raw = value.expose_secret();
        let last = raw.chars().last().unwrap();
        let flipped = if last == 'A' { 'B' } else { 'A' };
        let tampered = format!("{}{flipped}", &raw[..raw.len() - 1]);
        if let Ok(parsed) = parse(&RefreshTokenValue::new(tampered)) {
            assert!(!parsed.hash.matches(&hash));
        }
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in [
            "",
            "rt1",
            "rt1..",
            "rt2.e30.AAAA",
            "rt1.!!.AAAA",
            "rt1.W10.AAAA",
            "a.b.c.d",
        ] {
            assert_eq!(
                parse(&RefreshTokenValue::new(bad)).err(),
                Some(MalformedToken),
                "{bad}"
            );
        }
    }

    #[test]
    fn successors_are_deterministic_keyed_and_keep_the_locator() {
        let (user, client, device) = ids();
        let (value, _) = mint(&user, &client, &device).unwrap();
        let token = parse(&value).unwrap();
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k1");
        let other = hmac::Key::new(hmac::HMAC_SHA256, b"k2");
        let next = token.successor(&key);
        assert_eq!(next.value(), token.successor(&key).value());
        assert_ne!(next.value(), token.successor(&other).value());
        assert_ne!(next.value(), value);
        let reparsed = parse(&next.value()).unwrap();
        assert_eq!(reparsed.device, device);
        assert!(reparsed.hash.matches(&next.hash));
        assert_eq!(format!("{next:?}").matches("redacted").count(), 2);
    }

    proptest! {
        #[test]
        fn parsing_any_string_never_panics(input in ".{0,300}") {
            let _ = parse(&RefreshTokenValue::new(input));
        }

        #[test]
        fn parsing_any_dotted_base64_never_panics(a in "[A-Za-z0-9_-]{0,80}", b in "[A-Za-z0-9_-]{0,80}") {
            let _ = parse(&RefreshTokenValue::new(format!("rt1.{a}.{b}")));
        }
    }
}
