//! The refresh write's DPoP condition (RFC 9449): a bound session refreshes
//! only with a proof by its key, each proof's `jti` once, and the same
//! request's retried write still passes.

use shared::store::rotation::ProofUse;

use super::*;

fn proof(jkt: &str, jti: &str, request: &str) -> ProofUse {
    ProofUse {
        jkt: jkt.into(),
        jti: jti.into(),
        request_id: request.into(),
    }
}

pub(super) async fn a_bound_session_refreshes_only_with_a_fresh_proof_by_its_key(
    store: Arc<dyn Store>,
) {
    let (mut record, _, token) = issued("usr_1", "app", "phone", 1);
    record.dpop_jkt = Some("key-a".into());
    store.put_refresh_token(&record).await.unwrap();
    let with = |proof: Option<ProofUse>| RefreshAttempt {
        proof,
        ..plain(&token, 1_750_000_000)
    };
    let refused = [
        ("no proof", None),
        ("another key", Some(proof("key-b", "p1", "r1"))),
    ];
    for (name, proof) in refused {
        assert!(
            store.refresh(&with(proof)).await.unwrap().is_none(),
            "{name}"
        );
    }
    assert_eq!(
        store.find_session(&token).await.unwrap().unwrap(),
        record,
        "a refused refresh changes nothing"
    );
    let first = proof("key-a", "p1", "r1");
    let used = store.refresh(&with(Some(first.clone()))).await.unwrap();
    assert_eq!(used.unwrap().dpop_jkt.as_deref(), Some("key-a"));
    // The same proof in another request is a replay; in the same request
    // (the SDK retrying the write) it passes.
    let replay = proof("key-a", "p1", "r2");
    assert!(store.refresh(&with(Some(replay))).await.unwrap().is_none());
    assert!(store.refresh(&with(Some(first))).await.unwrap().is_some());
    let next = proof("key-a", "p2", "r3");
    assert!(store.refresh(&with(Some(next))).await.unwrap().is_some());
}

pub(super) async fn an_unbound_session_refreshes_with_or_without_a_proof(store: Arc<dyn Store>) {
    let (record, _, token) = issued("usr_1", "app", "tablet", 2);
    store.put_refresh_token(&record).await.unwrap();
    let attempt = RefreshAttempt {
        proof: Some(proof("key-a", "p1", "r1")),
        ..plain(&token, 1_750_000_000)
    };
    let refreshed = store.refresh(&attempt).await.unwrap().unwrap();
    assert_eq!(
        refreshed.dpop_jkt, None,
        "a refresh does not bind a session"
    );
    assert!(store
        .refresh(&plain(&token, 1_750_000_001))
        .await
        .unwrap()
        .is_some());
}
