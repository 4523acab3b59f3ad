//! Password hashing with argon2id (RFC 9106), and verification that takes the
//! same time whether or not the user exists, on a fixed set of threads that
//! each keep their 19 MiB of argon2 memory (`docs/design/brute-force.md`).

use std::cell::RefCell;
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;
use tokio::sync::{oneshot, Semaphore};

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

/// How many verifications may run at once: one per core.
pub fn verify_slots() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// [`verify_password`] on a verifier thread, at most [`verify_slots`] at a
/// time; `Busy` when no slot frees up within [`VERIFY_WAIT`].
pub async fn verify_bounded(
    password: Password,
    stored: Option<PasswordHash>,
) -> Result<bool, OAuthError> {
    let verifiers = VERIFIERS
        .get_or_init(|| Verifiers::start(verify_slots()))
        .as_ref()
        .ok_or(OAuthError::Busy)?;
    verifiers
        .run(VERIFY_WAIT, move || {
            verify_password(&password, stored.as_ref())
        })
        .await
}

/// As many verifications at once as there are cores, each on one of a fixed
/// set of threads: each holds 19 MiB (argon2id's default memory), and a
/// fixed set of threads keeps the allocator from spreading those 19 MiB over
/// a new thread arena per request, so memory stays flat under a flood.
struct Verifiers {
    slots: Semaphore,
    jobs: Mutex<mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

static VERIFIERS: OnceLock<Option<Verifiers>> = OnceLock::new();

impl Verifiers {
    /// Starts `count` threads that run jobs one at a time; `None` if no
    /// thread could be started.
    fn start(count: usize) -> Option<Self> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let mut started = 0;
        for n in 0..count {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || loop {
                    let job = match receiver.lock() {
                        Ok(jobs) => jobs.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            started += usize::from(spawned.is_ok());
        }
        (started > 0).then(|| Self {
            slots: Semaphore::new(started),
            jobs: Mutex::new(sender),
        })
    }

    /// Runs `work` on a verifier thread once a slot is free, waiting at most
    /// `wait` for it.
    async fn run<T: Send + 'static>(
        &self,
        wait: Duration,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, OAuthError> {
        let _slot = tokio::time::timeout(wait, self.slots.acquire())
            .await
            .map_err(|_| OAuthError::Busy)?
            .map_err(|_| OAuthError::Busy)?;
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        self.jobs
            .lock()
            .map_err(|_| OAuthError::Busy)?
            .send(job)
            .map_err(|_| OAuthError::Busy)?;
        answered.await.map_err(|_| OAuthError::Busy)
    }
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
    let computed = BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        let needed = hasher.params().block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        let memory = blocks.get_mut(..needed).unwrap_or_default();
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_verifications_run_at_once_than_there_are_slots() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let verifiers = Arc::new(Verifiers::start(2).unwrap());
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (verifiers, running, most) = (verifiers.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    verifiers
                        .run(Duration::from_secs(10), move || {
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
        let _held = verifiers.slots.acquire_many(2).await.unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let counter = ran.clone();
        let answer = verifiers
            .run(Duration::from_millis(50), move || {
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
