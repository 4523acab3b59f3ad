//! Store contract: issuing, listing, redeeming and revoking sessions.

use super::*;

pub(super) async fn unknown_users_have_no_credential_list(store: Arc<dyn Store>) {
    let nobody = UserId::parse("usr_nobody".into()).unwrap();
    assert_eq!(store.list_credentials(&nobody).await.unwrap(), None);
    with_user(&store, "usr_empty").await;
    let empty = UserId::parse("usr_empty".into()).unwrap();
    assert_eq!(store.list_credentials(&empty).await.unwrap(), Some(vec![]));
}

pub(super) async fn a_stored_token_redeems_and_records_its_use(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    let (record, _, token) = issued("usr_1", "app", "phone", 1);
    store.put_refresh_token(&record).await.unwrap();
    let redeemed = redeem(&store, &token, 1_800_000_000)
        .await
        .expect("token redeems");
    assert_eq!(redeemed.last_used_at, 1_800_000_000);
    assert_eq!(redeemed.expires_at, 1_800_000_000 + 20_000 * DAY);
    assert_eq!(redeemed.last_seen, *REFRESHED_FROM);
    assert_eq!(
        RefreshTokenRecord {
            last_used_at: record.last_used_at,
            expires_at: record.expires_at,
            last_seen: record.last_seen.clone(),
            ..redeemed
        },
        record
    );
    let listed = store
        .list_credentials(&record.user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, 1_800_000_000);
}

pub(super) async fn a_wrong_secret_redeems_nothing_and_changes_nothing(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    let (record, _, _) = issued("usr_1", "app", "phone", 1);
    let (_, _, forged) = issued("usr_1", "app", "phone", 2);
    store.put_refresh_token(&record).await.unwrap();
    assert!(redeem(&store, &forged, 1_800_000_000).await.is_none());
    assert!(
        store.find_session(&forged).await.unwrap().is_some(),
        "the record is found by its locator"
    );
    assert_eq!(
        store.list_credentials(&record.user_id).await.unwrap(),
        Some(vec![record])
    );
}

pub(super) async fn reauthorizing_a_device_replaces_its_record(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    let (first, _, first_token) = issued("usr_1", "app", "phone", 1);
    let (second, _, second_token) = issued("usr_1", "app", "phone", 2);
    store.put_refresh_token(&first).await.unwrap();
    store.put_refresh_token(&second).await.unwrap();
    assert!(
        redeem(&store, &first_token, 5).await.is_none(),
        "the old token stops working"
    );
    assert!(redeem(&store, &second_token, 5).await.is_some());
    assert_eq!(
        store
            .list_credentials(&first.user_id)
            .await
            .unwrap()
            .unwrap()
            .len(),
        1
    );
}

pub(super) async fn each_app_and_device_has_its_own_record(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    with_user(&store, "usr_2").await;
    for (n, (user, client, device)) in [
        ("usr_1", "app", "phone"),
        ("usr_1", "app", "laptop"),
        ("usr_1", "other", "phone"),
        ("usr_2", "app", "phone"),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .put_refresh_token(&issued(user, client, device, n as u64).0)
            .await
            .unwrap();
    }
    let listed = store
        .list_credentials(&UserId::parse("usr_1".into()).unwrap())
        .await
        .unwrap()
        .unwrap();
    let names: Vec<_> = listed
        .iter()
        .map(|r| format!("{}/{}", r.client_id, r.device))
        .collect();
    assert_eq!(names, ["app/laptop", "app/phone", "other/phone"]);
}

pub(super) async fn revoking_by_token_removes_only_that_record(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    let (phone, _, phone_token) = issued("usr_1", "app", "phone", 1);
    let (laptop, _, laptop_token) = issued("usr_1", "app", "laptop", 2);
    store.put_refresh_token(&phone).await.unwrap();
    store.put_refresh_token(&laptop).await.unwrap();
    let found = store.find_session(&phone_token).await.unwrap().unwrap();
    assert!(store.end_session(found.session()).await.unwrap());
    assert!(
        !store.end_session(found.session()).await.unwrap(),
        "a second revoke finds nothing"
    );
    assert!(redeem(&store, &phone_token, 5).await.is_none());
    assert!(redeem(&store, &laptop_token, 5).await.is_some());
}

pub(super) async fn revoking_by_credential_id_is_scoped_to_the_user(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    with_user(&store, "usr_2").await;
    let (record, _, token) = issued("usr_1", "app", "phone", 7);
    store.put_refresh_token(&record).await.unwrap();
    let other = UserId::parse("usr_2".into()).unwrap();
    assert!(!store
        .revoke_credential(&other, &record.credential_id)
        .await
        .unwrap());
    assert!(redeem(&store, &token, 5).await.is_some());
    assert!(store
        .revoke_credential(&record.user_id, &record.credential_id)
        .await
        .unwrap());
    assert!(redeem(&store, &token, 5).await.is_none());
    assert!(!store
        .revoke_credential(&record.user_id, &record.credential_id)
        .await
        .unwrap());
}

pub(super) async fn credentials_are_found_by_id_and_revoked_all_at_once(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    with_user(&store, "usr_2").await;
    let (phone, _, _) = issued("usr_1", "app", "phone", 1);
    let (other_app, _, _) = issued("usr_1", "other", "phone", 2);
    let (bob, _, bob_token) = issued("usr_2", "app", "phone", 3);
    for record in [&phone, &other_app, &bob] {
        store.put_refresh_token(record).await.unwrap();
    }
    assert_eq!(
        store.find_credential(&phone.credential_id).await.unwrap(),
        Some(phone.clone())
    );
    let unknown = CredentialId::parse(format!("dcr_{:032x}", 99)).unwrap();
    assert_eq!(store.find_credential(&unknown).await.unwrap(), None);
    let sessions = store
        .client_sessions(&phone.user_id, &phone.client_id)
        .await
        .unwrap();
    assert_eq!(sessions, vec![phone.clone()], "only this client's sessions");
    assert_eq!(store.revoke_all(&phone.user_id).await.unwrap(), 2);
    assert_eq!(
        store.list_credentials(&phone.user_id).await.unwrap(),
        Some(vec![])
    );
    assert!(
        redeem(&store, &bob_token, 5).await.is_some(),
        "other users keep theirs"
    );
    assert!(store.end_session(bob.session()).await.unwrap());
    assert!(!store.end_session(bob.session()).await.unwrap());
}
