//! Password hashing with argon2id (RFC 9106), and verification that takes the
//! same time whether or not the user exists, on a fixed set of threads that
//! each keep their 19 MiB of argon2 memory (`docs/design/brute-force.md`).

use std::cell::RefCell;
mod pool;

use std::sync::OnceLock;
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;

use crate::error::{Fault, OAuthError};
use crate::secret::Password;
use crate::store::PasswordHash;
use pool::pool;
pub use pool::verify_slots;

/// Hashes a password with argon2id and the crate's recommended parameters.
pub fn hash_password(password: &Password) -> Result<PasswordHash, OAuthError> {
    let mut salt_bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt_bytes)
        .map_err(|_| Fault::Random)?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(Fault::PasswordHashing)?;
    let hasher = Argon2::default();
    let mut salt_buf = [0u8; 64];
    let salt_raw = salt
        .decode_b64(&mut salt_buf)
        .map_err(Fault::PasswordHashing)?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_blocks(hasher.params().block_count(), |memory| {
        hasher.hash_password_into_with_memory(
            password.expose_secret().as_bytes(),
            salt_raw,
            &mut output,
            memory,
        )
    })
    .map_err(|e| Fault::PasswordHashing(e.into()))?;
    let phc = argon2::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(hasher.params()).map_err(Fault::PasswordHashing)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).map_err(Fault::PasswordHashing)?),
    };
    Ok(PasswordHash::new(phc.to_string()))
}

/// Runs `work` with this thread's argon2 memory, at least `count` blocks.
fn with_blocks<T>(count: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        work(blocks.get_mut(..count).unwrap_or_default())
    })
}

/// [`hash_password`] on a verifier thread (bounded like [`verify_bounded`]).
pub async fn hash_bounded(password: Password) -> Result<PasswordHash, OAuthError> {
    pool()?
        .run(VERIFY_WAIT, move || hash_password(&password))
        .await?
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

/// How long an attempt waits for a free verification slot before it is
/// answered `503` with `Retry-After`.
pub const VERIFY_WAIT: Duration = Duration::from_secs(2);

/// [`verify_password`] on a verifier thread, at most [`verify_slots`] at a
/// time; `Busy` when no slot frees up within [`VERIFY_WAIT`].
pub async fn verify_bounded(
    password: Password,
    stored: Option<PasswordHash>,
) -> Result<bool, OAuthError> {
    pool()?
        .run(VERIFY_WAIT, move || {
            verify_password(&password, stored.as_ref())
        })
        .await
}

/// Verifies against a PHC string (RFC 9106 argon2id, the parameters it
/// names), reusing this thread's memory blocks: each verification needs 19
/// MiB, and a fresh allocation per call is not given back to the system
/// (measured: +19 MiB of RSS per sign-in, up to ~230 MiB), so the verifier
/// threads each keep one set.
fn matches(password: &Password, stored: &PasswordHash) -> bool {
    let Ok(parsed) = argon2::PasswordHash::new(stored.expose_secret()) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let (Ok(salt), Ok(algorithm), Ok(params)) = (
        salt.decode_b64(&mut salt_bytes),
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or_default();
    let hasher = Argon2::new(algorithm, version, params);
    let mut actual = vec![0u8; expected.len()];
    let computed = with_blocks(hasher.params().block_count(), |memory| {
        hasher.hash_password_into_with_memory(
            password.expose_secret().as_bytes(),
            salt,
            &mut actual,
            memory,
        )
    });
    computed.is_ok() && bool::from(actual.as_slice().ct_eq(expected.as_bytes()))
}

thread_local! {
    /// This thread's argon2 memory, kept between verifications.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
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
    fn hashes_agree_with_the_argon2_crates_own_hashing_and_verifying() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash_password(&Password::new("correct horse")).unwrap();
        let parsed = argon2::PasswordHash::new(ours.expose_secret()).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let theirs = PasswordHash::new(theirs);
        assert!(verify_password(
            &Password::new("correct horse"),
            Some(&theirs)
        ));
        assert!(!verify_password(
            &Password::new("correct horsf"),
            Some(&theirs)
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
