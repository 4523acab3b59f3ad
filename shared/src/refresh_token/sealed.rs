//! Format 2: `rt2.<key id>.<base64url(nonce ‖ AES-256-GCM(secret ‖ locator))>`.
//! The locator (user, client, device) is sealed, so a token reveals nothing.
//! The nonce is derived from the secret, so sealing the same secret under
//! the same key gives the same token (a retried refresh gets the same
//! successor), and two secrets share a nonce with negligible probability.

use aws_lc_rs::aead::{Aad, Nonce, NONCE_LEN};
use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::keys::{RefreshKey, RefreshKeys};
use super::{MalformedToken, SECRET_LEN};

/// The format's prefix.
pub(super) const PREFIX: &str = "rt2";

fn aad(key_id: &str) -> String {
    format!("{PREFIX}.{key_id}")
}

/// Seals `secret ‖ locator` under `key`; the whole token.
pub(super) fn seal(key: &RefreshKey, secret: &[u8; SECRET_LEN], locator: &[u8]) -> Option<String> {
    let tag = hmac::sign(&key.nonce, secret);
    let nonce_bytes: [u8; NONCE_LEN] = tag.as_ref().get(..NONCE_LEN)?.try_into().ok()?;
    let mut in_out = Vec::with_capacity(SECRET_LEN + locator.len() + 16);
    in_out.extend_from_slice(secret);
    in_out.extend_from_slice(locator);
    key.seal
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(aad(&key.id).as_bytes()),
            &mut in_out,
        )
        .ok()?;
    let mut blob = nonce_bytes.to_vec();
    blob.extend_from_slice(&in_out);
    Some(format!(
        "{PREFIX}.{}.{}",
        key.id,
        URL_SAFE_NO_PAD.encode(blob)
    ))
}

/// Opens the part after `rt2.`: the key id and the sealed blob. Returns the
/// key's id, the secret and the locator bytes.
pub(super) fn open<'k>(
    keys: &'k RefreshKeys,
    key_id: &str,
    blob: &str,
) -> Result<(&'k str, [u8; SECRET_LEN], Vec<u8>), MalformedToken> {
    let key = keys.by_id(key_id).ok_or(MalformedToken)?;
    let blob = URL_SAFE_NO_PAD.decode(blob).map_err(|_| MalformedToken)?;
    let (nonce, sealed) = blob.split_at_checked(NONCE_LEN).ok_or(MalformedToken)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| MalformedToken)?;
    let mut in_out = sealed.to_vec();
    let plain = key
        .seal
        .open_in_place(nonce, Aad::from(aad(&key.id).as_bytes()), &mut in_out)
        .map_err(|_| MalformedToken)?;
    let (secret, locator) = plain.split_at_checked(SECRET_LEN).ok_or(MalformedToken)?;
    let secret = <[u8; SECRET_LEN]>::try_from(secret).map_err(|_| MalformedToken)?;
    Ok((key.id.as_str(), secret, locator.to_vec()))
}
