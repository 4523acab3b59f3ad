//! The login form's anti-forgery token: an HMAC over the authorization
//! request, an expiry and a random value also set in a cookie (double submit),
//! so a form can't be replayed with another request, after it expires, or
//! from another browser.

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Why a submitted form was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// The token is missing, malformed, forged or bound to another request or cookie.
    #[error("login form token is invalid")]
    Invalid,
    /// The token was valid but is too old.
    #[error("login form has expired")]
    Expired,
}

fn mac_input(binding: &str, request: &str, expires_at: u64) -> Vec<u8> {
    // A JSON array keeps the parts unambiguous whatever they contain.
    serde_json::to_vec(&("login-form-v1", binding, request, expires_at)).unwrap_or_default()
}

/// Issues a token for `request` (its canonical form), bound to the cookie value `binding`.
pub fn issue(key: &hmac::Key, binding: &str, request: &str, now: u64, ttl: u64) -> String {
    let expires_at = now + ttl;
    let tag = hmac::sign(key, &mac_input(binding, request, expires_at));
    format!("{expires_at}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// Verifies a submitted token in constant time.
pub fn verify(
    key: &hmac::Key,
    binding: &str,
    request: &str,
    token: &str,
    now: u64,
) -> Result<(), FormError> {
    let (expires_at, tag) = token.split_once('.').ok_or(FormError::Invalid)?;
    let expires_at: u64 = expires_at.parse().map_err(|_| FormError::Invalid)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| FormError::Invalid)?;
    hmac::verify(key, &mac_input(binding, request, expires_at), &tag)
        .map_err(|_| FormError::Invalid)?;
    if now > expires_at {
        return Err(FormError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, b"test key")
    }

    #[test]
    fn a_token_verifies_only_for_its_request_cookie_and_time() {
        let token = issue(&key(), "cookie", "request", 1_000, 600);
        assert_eq!(verify(&key(), "cookie", "request", &token, 1_100), Ok(()));
        assert_eq!(
            verify(&key(), "other", "request", &token, 1_100),
            Err(FormError::Invalid)
        );
        assert_eq!(
            verify(&key(), "cookie", "changed", &token, 1_100),
            Err(FormError::Invalid)
        );
        assert_eq!(
            verify(&key(), "cookie", "request", &token, 1_601),
            Err(FormError::Expired)
        );
    }

    #[test]
    fn a_moved_expiry_or_garbage_is_invalid() {
        let token = issue(&key(), "c", "r", 1_000, 600);
        let (_, tag) = token.split_once('.').unwrap();
        let extended = format!("999999.{tag}");
        assert_eq!(
            verify(&key(), "c", "r", &extended, 1_100),
            Err(FormError::Invalid)
        );
        for bad in ["", ".", "abc", "1.!!", "1600"] {
            assert_eq!(
                verify(&key(), "c", "r", bad, 1_100),
                Err(FormError::Invalid)
            );
        }
    }
}
