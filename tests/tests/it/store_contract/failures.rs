//! The failed-sign-in counters: fixed windows, atomic counting, clearing.

use std::sync::Arc;

use shared::store::{FailureCount, FailureKey, Store};

pub(super) async fn failures_count_up_within_a_window_and_restart_after_it(store: Arc<dyn Store>) {
    let key = FailureKey::address("Ana@Example.com ", "198.51.100.7");
    let other = FailureKey::address("ana@example.com", "203.0.113.9");
    assert_eq!(store.failures(&key, 1_000).await.unwrap(), None);
    for n in 1..=3 {
        let counted = store.add_failure(&key, 1_000 + n, 900).await.unwrap();
        assert_eq!(
            counted,
            FailureCount {
                count: n,
                window_ends: 1_901
            },
            "the window starts at the first failure"
        );
    }
    // The login is normalized: the same account whatever its case or spaces.
    let same = FailureKey::address("ana@example.com", "198.51.100.7");
    assert_eq!(
        store.failures(&same, 1_500).await.unwrap().unwrap().count,
        3
    );
    assert_eq!(
        store.failures(&other, 1_500).await.unwrap(),
        None,
        "per address"
    );
    // After the window, the counter is gone, and the next failure starts anew
    // (DynamoDB's TTL deletes lag, so an ended window must not count).
    assert_eq!(store.failures(&key, 1_901).await.unwrap(), None);
    let restarted = store.add_failure(&key, 2_000, 900).await.unwrap();
    assert_eq!(
        restarted,
        FailureCount {
            count: 1,
            window_ends: 2_900
        }
    );
    store.clear_failures(&key).await.unwrap();
    assert_eq!(store.failures(&key, 2_001).await.unwrap(), None);
}

pub(super) async fn concurrent_failures_are_all_counted(store: Arc<dyn Store>) {
    let key = FailureKey::account("ana@example.com");
    let adds = (0..24).map(|_| {
        let store = store.clone();
        let key = key.clone();
        tokio::spawn(async move { store.add_failure(&key, 5_000, 3_600).await.unwrap() })
    });
    let mut counts: Vec<u64> = Vec::new();
    for add in adds {
        counts.push(add.await.unwrap().count);
    }
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=24).collect::<Vec<_>>(),
        "each add saw its own count"
    );
    assert_eq!(
        store.failures(&key, 5_001).await.unwrap().unwrap().count,
        24
    );
}
