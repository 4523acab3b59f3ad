//! Failed-sign-in counters in memory, with the DynamoDB store's semantics:
//! a fixed window from the first failure, and an ended window counts as absent.

use async_trait::async_trait;

use super::{lock, MemoryStore};
use crate::store::{FailureCount, FailureKey, SignInFailures, StoreError};

#[async_trait]
impl SignInFailures for MemoryStore {
    async fn failures(
        &self,
        key: &FailureKey,
        now: u64,
    ) -> Result<Option<FailureCount>, StoreError> {
        Ok(lock(&self.failures)?
            .get(key)
            .filter(|c| c.window_ends > now)
            .copied())
    }

    async fn add_failure(
        &self,
        key: &FailureKey,
        now: u64,
        window: u64,
    ) -> Result<FailureCount, StoreError> {
        let mut counters = lock(&self.failures)?;
        let counter = counters
            .entry(key.clone())
            .and_modify(|c| {
                if c.window_ends > now {
                    c.count += 1;
                } else {
                    *c = FailureCount {
                        count: 1,
                        window_ends: now.saturating_add(window),
                    };
                }
            })
            .or_insert(FailureCount {
                count: 1,
                window_ends: now.saturating_add(window),
            });
        Ok(*counter)
    }

    async fn clear_failures(&self, key: &FailureKey) -> Result<(), StoreError> {
        lock(&self.failures)?.remove(key);
        Ok(())
    }
}
