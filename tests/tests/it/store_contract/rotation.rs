//! Store contract: the rotation write, the retry leeway, lifetimes and ending a session.

use super::*;

pub(super) async fn rotation_moves_the_session_to_the_successor(store: Arc<dyn Store>) {
    let key = refresh_keys();
    let (record, _, token) = issued("usr_1", "app", "phone", 1);
    store.put_refresh_token(&record).await.unwrap();
    let next = token.successor(&key).unwrap();
    let rotated = store
        .refresh(&rotating(&token, &next, 1_800_000_000))
        .await
        .unwrap()
        .expect("first rotation succeeds");
    assert!(rotated.token_hash.matches(&next.hash));
    assert!(rotated.prev_hash.unwrap().matches(&token.hash));
    assert_eq!(rotated.rotated_at, Some(1_800_000_000));
    let after = store.find_session(&token).await.unwrap().unwrap();
    assert!(after.token_hash.matches(&next.hash), "the write is stored");
    // The same write records where the refresh came from, and keeps where
    // the user signed in from (the device details).
    assert_eq!(after.last_seen, *REFRESHED_FROM);
    assert_eq!(after.first_seen, record.first_seen);
    assert_ne!(record.last_seen, *REFRESHED_FROM);
    assert_eq!(after.rotated_at, Some(1_800_000_000));
    assert!(
        redeem(&store, &token, 1_800_000_001).await.is_none(),
        "the predecessor is no longer current"
    );
    let third = next.successor(&key).unwrap();
    let again = store
        .refresh(&rotating(&next, &third, 1_800_000_100))
        .await
        .unwrap()
        .expect("the successor rotates in turn");
    assert!(again.prev_hash.unwrap().matches(&next.hash));
    assert_eq!(again.rotated_at, Some(1_800_000_100));
}

pub(super) async fn a_retry_inside_the_leeway_gets_the_same_successor_and_keeps_the_rotation_time(
    store: Arc<dyn Store>,
) {
    let key = refresh_keys();
    let (record, _, token) = issued("usr_1", "app", "phone", 1);
    store.put_refresh_token(&record).await.unwrap();
    let next = token.successor(&key).unwrap();
    let t0 = 1_800_000_000;
    store
        .refresh(&rotating(&token, &next, t0))
        .await
        .unwrap()
        .unwrap();
    let retry = store
        .refresh(&rotating(&token, &next, t0 + 20))
        .await
        .unwrap()
        .expect("a retry 20 s later succeeds");
    assert!(retry.token_hash.matches(&next.hash));
    assert_eq!(
        retry.rotated_at,
        Some(t0),
        "a retry does not stretch the leeway"
    );
    assert!(
        store
            .refresh(&rotating(&token, &next, t0 + 31))
            .await
            .unwrap()
            .is_none(),
        "31 s after the rotation the predecessor is refused"
    );
    let wrong_successor = issued("usr_1", "app", "phone", 9).2;
    assert!(
        store
            .refresh(&rotating(&token, &wrong_successor, t0 + 1))
            .await
            .unwrap()
            .is_none(),
        "a retry must name the stored successor"
    );
}

pub(super) async fn a_grandparent_is_refused_even_inside_the_leeway(store: Arc<dyn Store>) {
    let key = refresh_keys();
    let (record, _, token) = issued("usr_1", "app", "phone", 1);
    store.put_refresh_token(&record).await.unwrap();
    let next = token.successor(&key).unwrap();
    let third = next.successor(&key).unwrap();
    let t0 = 1_800_000_000;
    store
        .refresh(&rotating(&token, &next, t0))
        .await
        .unwrap()
        .unwrap();
    store
        .refresh(&rotating(&next, &third, t0 + 1))
        .await
        .unwrap()
        .unwrap();
    assert!(store
        .refresh(&rotating(&token, &next, t0 + 2))
        .await
        .unwrap()
        .is_none());
    let session = store.find_session(&token).await.unwrap().unwrap();
    assert!(
        session.token_hash.matches(&third.hash),
        "the refusal wrote nothing"
    );
}

pub(super) async fn lifetimes_are_part_of_the_write_condition(store: Arc<dyn Store>) {
    let (record, _, token) = issued("usr_1", "app", "phone", 0);
    store.put_refresh_token(&record).await.unwrap();
    let created = record.created_at;
    let absolute = RefreshAttempt {
        absolute_lifetime: 10 * DAY,
        ..plain(&token, created + 10 * DAY + 1)
    };
    assert!(store.refresh(&absolute).await.unwrap().is_none());
    let idle = RefreshAttempt {
        idle_lifetime: DAY,
        ..plain(&token, created + DAY + 1)
    };
    assert!(store.refresh(&idle).await.unwrap().is_none());
    assert_eq!(
        store.find_session(&token).await.unwrap(),
        Some(record.clone())
    );
    let in_time = RefreshAttempt {
        idle_lifetime: DAY,
        ..plain(&token, created + DAY)
    };
    let used = store.refresh(&in_time).await.unwrap().unwrap();
    assert_eq!(
        used.expires_at,
        created + 2 * DAY,
        "the TTL moves with each use"
    );
}

pub(super) async fn ending_a_session_needs_its_credential_id(store: Arc<dyn Store>) {
    let (first, _, token) = issued("usr_1", "app", "phone", 1);
    let (second, _, _) = issued("usr_1", "app", "phone", 2);
    store.put_refresh_token(&second).await.unwrap();
    assert!(
        !store.end_session(first.session()).await.unwrap(),
        "a replaced session is not ended twice"
    );
    assert!(store.find_session(&token).await.unwrap().is_some());
    assert!(store.end_session(second.session()).await.unwrap());
    assert!(store.find_session(&token).await.unwrap().is_none());
}

pub(super) async fn a_refresh_asking_for_more_scope_than_granted_changes_nothing(
    store: Arc<dyn Store>,
) {
    // Granted: openid offline_access profile. The domain passes the scopes
    // that allow the request (`domain::refresh::scopes_allowing`).
    let key = refresh_keys();
    let (record, _, token) = issued("usr_1", "app", "phone", 7);
    store.put_refresh_token(&record).await.unwrap();
    let next = token.successor(&key).unwrap();
    let wider =
        shared::domain::refresh::scopes_allowing(&Scope::parse("openid email").unwrap()).unwrap();
    for attempt in [
        RefreshAttempt {
            scope_one_of: Some(wider.clone()),
            ..plain(&token, 1_800_000_000)
        },
        RefreshAttempt {
            scope_one_of: Some(wider),
            ..rotating(&token, &next, 1_800_000_000)
        },
    ] {
        assert!(store.refresh(&attempt).await.unwrap().is_none());
        assert_eq!(
            store.find_session(&token).await.unwrap(),
            Some(record.clone()),
            "a refused narrowing leaves the session as it was"
        );
    }
    let narrower =
        shared::domain::refresh::scopes_allowing(&Scope::parse("openid").unwrap()).unwrap();
    let rotated = store
        .refresh(&RefreshAttempt {
            scope_one_of: Some(narrower),
            ..rotating(&token, &next, 1_800_000_000)
        })
        .await
        .unwrap()
        .expect("a narrower scope is allowed");
    assert!(rotated.token_hash.matches(&next.hash));
}
