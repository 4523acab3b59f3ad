//! The password-check pool: one thread per core, each keeping its own
//! argon2 memory, and a semaphore that hands out those slots, so a sign-in
//! flood queues instead of growing memory (`docs/design/brute-force.md`).

use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{oneshot, Semaphore};

use crate::error::OAuthError;

/// How many verifications may run at once: one per core.
pub fn verify_slots() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// As many verifications at once as there are cores, each on one of a fixed
/// set of threads: each holds 19 MiB (argon2id's default memory), and a
/// fixed set of threads keeps the allocator from spreading those 19 MiB over
/// a new thread arena per request, so memory stays flat under a flood.
pub(super) struct Verifiers {
    slots: Semaphore,
    jobs: Mutex<mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

/// The process's pool, started at the first password check.
static VERIFIERS: OnceLock<Option<Verifiers>> = OnceLock::new();

/// The process's pool; `Busy` if no thread could be started.
pub(super) fn pool() -> Result<&'static Verifiers, OAuthError> {
    VERIFIERS
        .get_or_init(|| Verifiers::start(verify_slots()))
        .as_ref()
        .ok_or(OAuthError::Busy)
}

impl Verifiers {
    /// Starts `count` threads that run jobs one at a time; `None` if no
    /// thread could be started.
    pub(super) fn start(count: usize) -> Option<Self> {
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
    pub(super) async fn run<T: Send + 'static>(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
