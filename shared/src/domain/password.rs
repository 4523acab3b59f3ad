//! Password hashing with argon2id (RFC 9106), and verification that takes the
//! same time whether or not the user exists.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::error::{Fault, OAuthError};
use crate::secret::Password;
use crate::store::PasswordHash;

/// Hashes a password with argon2id and the crate's recommended parameters.
pub fn hash_password(password: &Password) -> Result<PasswordHash, OAuthError> {
    let mut salt_bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt_bytes)
        .map_err(|_| Fault::Random)?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(Fault::PasswordHashing)?;
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|hash| PasswordHash::new(hash.to_string()))
        .map_err(|e| Fault::PasswordHashing(e).into())
}

/// Checks a password against a stored hash. With no stored hash, checks it
/// against a dummy hash anyway and answers `false`, so an unknown user costs
/// the same time as a known one.
pub fn verify_password(password: &Password, stored: Option<&PasswordHash>) -> bool {
    match stored {
        Some(hash) => matches(password, hash),
        None => {
            if let Some(dummy) = dummy_hash() {
                let _ = matches(password, dummy);
            }
            false
        }
    }
}

fn matches(password: &Password, stored: &PasswordHash) -> bool {
    let Ok(parsed) = argon2::PasswordHash::new(stored.expose_secret()) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.expose_secret().as_bytes(), &parsed)
        .is_ok()
}

static DUMMY_HASH: OnceLock<Option<PasswordHash>> = OnceLock::new();

fn dummy_hash() -> Option<&'static PasswordHash> {
    DUMMY_HASH
        .get_or_init(|| hash_password(&Password::new("offline-access dummy password")).ok())
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_others_do_not() {
        let hash = hash_password(&Password::new("demo-password")).unwrap();
        assert!(hash.expose_secret().starts_with("$argon2id$"));
        assert!(verify_password(
            &Password::new("demo-password"),
            Some(&hash)
        ));
        assert!(!verify_password(
            &Password::new("demo-passwore"),
            Some(&hash)
        ));
    }

    #[test]
    fn an_unknown_user_never_verifies_even_with_the_dummy_password() {
        assert!(!verify_password(
            &Password::new("offline-access dummy password"),
            None
        ));
        assert!(!verify_password(
            &Password::new("x"),
            Some(&PasswordHash::new("not a hash".into()))
        ));
    }
}
