//! The refresh-token key set (`REFRESH_TOKEN_KEYS`): `<id>:<32 random bytes,
//! base64url>` entries, comma-separated, the first current and the rest
//! retired. Each entry seals tokens (AES-256-GCM), derives their successors
//! and their deterministic nonces, and gives the server's DPoP nonces,
//! through four keys derived from it.
//! Independent of the signing key (`docs/design/token-format.md`).

use aws_lc_rs::aead::{LessSafeKey, UnboundKey, AES_256_GCM};
use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// One entry of the key set.
pub(super) struct RefreshKey {
    /// The id written into every token it seals.
    pub(super) id: String,
    /// Seals and opens the token's contents.
    pub(super) seal: LessSafeKey,
    /// Derives a token's successor from its secret.
    pub(super) rotate: hmac::Key,
    /// Derives a token's nonce from its secret.
    pub(super) nonce: hmac::Key,
    /// Derives the server's DPoP nonces (RFC 9449 §8) from the time window.
    dpop_nonce: hmac::Key,
}

/// The key set. Its `Debug` names the ids only.
pub struct RefreshKeys {
    /// Current first, then the retired ones.
    keys: Vec<RefreshKey>,
    /// Derives the successors of format-1 tokens (from the signing key, as
    /// before format 2).
    legacy_rotation: Option<hmac::Key>,
}

impl std::fmt::Debug for RefreshKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("RefreshKeys").field("ids", &ids).finish()
    }
}

/// The longest key id.
const MAX_ID_LEN: usize = 16;

impl RefreshKeys {
    /// Parses `k2:<base64url>,k1:<base64url>`. The error says what is wrong
    /// and never holds a key.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut keys: Vec<RefreshKey> = Vec::new();
        for (n, entry) in text.split(',').map(str::trim).enumerate() {
            let (id, key) = entry
                .split_once(':')
                .ok_or_else(|| format!("entry {} is not <id>:<key>", n + 1))?;
            let valid_id = !id.is_empty()
                && id.len() <= MAX_ID_LEN
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid_id {
                return Err(format!(
                    "entry {}: the id must be 1 to {MAX_ID_LEN} letters, digits, '-' or '_'",
                    n + 1
                ));
            }
            if keys.iter().any(|k| k.id == id) {
                return Err(format!("the id {id} is listed twice"));
            }
            let bytes = URL_SAFE_NO_PAD
                .decode(key)
                .ok()
                .filter(|b| b.len() == 32)
                .ok_or_else(|| format!("the key of {id} must be 32 bytes in base64url"))?;
            keys.push(RefreshKey::derive(id, &bytes)?);
        }
        Ok(Self {
            keys,
            legacy_rotation: None,
        })
    }

    /// A new key set of one random key, as `REFRESH_TOKEN_KEYS` text.
    pub fn generate_text(id: &str) -> Result<String, aws_lc_rs::error::Unspecified> {
        use aws_lc_rs::rand::{SecureRandom, SystemRandom};
        let mut bytes = [0u8; 32];
        SystemRandom::new().fill(&mut bytes)?;
        Ok(format!("{id}:{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Adds the key that derives successors of format-1 tokens.
    pub fn with_legacy_rotation(mut self, key: hmac::Key) -> Self {
        self.legacy_rotation = Some(key);
        self
    }

    /// The current key.
    pub(super) fn current(&self) -> Option<&RefreshKey> {
        self.keys.first()
    }

    /// The key with this id, current or retired.
    pub(super) fn by_id(&self, id: &str) -> Option<&RefreshKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The key that derives successors of format-1 tokens.
    pub(super) fn legacy_rotation(&self) -> Option<&hmac::Key> {
        self.legacy_rotation.as_ref()
    }

    /// The key of the server's DPoP nonces: the current entry's, so every
    /// instance with the same key set gives and accepts the same nonces.
    pub fn dpop_nonce_key(&self) -> Option<&hmac::Key> {
        self.current().map(|k| &k.dpop_nonce)
    }

    /// The ids, current first.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }
}

impl RefreshKey {
    /// The four purpose-bound keys of one entry (HMAC-SHA256 of a label).
    fn derive(id: &str, root: &[u8]) -> Result<Self, String> {
        let root = hmac::Key::new(hmac::HMAC_SHA256, root);
        let derived = |label: &[u8]| hmac::sign(&root, label);
        let seal = UnboundKey::new(&AES_256_GCM, derived(b"offline-access rt2 seal").as_ref())
            .map_err(|_| format!("the key of {id} can't be used"))?;
        Ok(Self {
            id: id.to_owned(),
            seal: LessSafeKey::new(seal),
            rotate: hmac::Key::new(
                hmac::HMAC_SHA256,
                derived(b"offline-access rt2 rotate").as_ref(),
            ),
            nonce: hmac::Key::new(
                hmac::HMAC_SHA256,
                derived(b"offline-access rt2 nonce").as_ref(),
            ),
            dpop_nonce: hmac::Key::new(
                hmac::HMAC_SHA256,
                derived(b"offline-access dpop nonce").as_ref(),
            ),
        })
    }
}
