//! Password hashing with argon2id (RFC 9106), and verification that takes the
//! same time whether or not the user exists.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::Semaphore;

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

/// How long an attempt waits for a free verification slot before it is
/// answered `503` with `Retry-After`.
pub const VERIFY_WAIT: Duration = Duration::from_secs(2);

/// As many verifications at once as there are cores: each holds 19 MiB
/// (argon2id's default memory), so memory stays flat under a sign-in flood.
static VERIFY_SLOTS: OnceLock<Semaphore> = OnceLock::new();

/// How many verifications may run at once.
pub fn verify_slots() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// [`verify_password`] off the async threads, at most [`verify_slots`] at a
/// time; `Busy` when no slot frees up within [`VERIFY_WAIT`].
pub async fn verify_bounded(
    password: Password,
    stored: Option<PasswordHash>,
) -> Result<bool, OAuthError> {
    let slots = VERIFY_SLOTS.get_or_init(|| Semaphore::new(verify_slots()));
    bounded(slots, VERIFY_WAIT, move || {
        verify_password(&password, stored.as_ref())
    })
    .await
}

/// Runs `work` on the blocking pool once one of `slots` is free, waiting at
/// most `wait` for it.
async fn bounded<T: Send + 'static>(
    slots: &Semaphore,
    wait: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, OAuthError> {
    let slot = tokio::time::timeout(wait, slots.acquire())
        .await
        .map_err(|_| OAuthError::Busy)?
        .map_err(|_| OAuthError::Busy)?;
    let done = tokio::task::spawn_blocking(work).await?;
    drop(slot);
    Ok(done)
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_verifications_run_at_once_than_there_are_slots() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let slots = Arc::new(Semaphore::new(2));
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (slots, running, most) = (slots.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    bounded(&slots, Duration::from_secs(10), move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        // Every slot held for longer than the wait: busy, and the work never runs.
        let _held = slots.acquire_many(2).await.unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let counter = ran.clone();
        let answer = bounded(&slots, Duration::from_millis(50), move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .await;
        assert!(matches!(answer, Err(OAuthError::Busy)));
        assert_eq!(ran.load(Ordering::SeqCst), 0);
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
