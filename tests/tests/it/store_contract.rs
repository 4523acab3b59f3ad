//! The store contract: the same cases run against the in-memory store and the
//! DynamoDB store on dynalite, so the two can't drift apart.

use std::sync::Arc;

use shared::domain::password::hash_password;
use shared::ids::{ClientId, CredentialId, DeviceName, Scope, UserId};
use shared::jwt::Profile;
use shared::refresh_token::{self, RefreshToken};
use shared::secret::{Password, RefreshTokenValue};
use shared::store::dynamodb::DynamoStore;
use shared::store::memory::MemoryStore;
use shared::store::{PasswordHash, RefreshTokenRecord, Store, UserRecord};

use crate::dynalite::fresh_table;

fn user(id: &str, username: &str) -> UserRecord {
    UserRecord {
        user_id: UserId::parse(id.into()).unwrap(),
        username: username.into(),
        password_hash: PasswordHash(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA"
                .into(),
        ),
        profile: Profile {
            name: Some("Ana".into()),
            email: Some(username.into()),
            email_verified: Some(true),
        },
    }
}

/// A record for (user, client, device) and the token that opens it.
fn issued(
    user_id: &str,
    client: &str,
    device: &str,
    n: u64,
) -> (RefreshTokenRecord, RefreshTokenValue, RefreshToken) {
    let (user_id, client_id, device) = (
        UserId::parse(user_id.into()).unwrap(),
        ClientId::parse(client.into()).unwrap(),
        DeviceName::parse(device.into()).unwrap(),
    );
    let (value, token_hash) = refresh_token::mint(&user_id, &client_id, &device).unwrap();
    let record = RefreshTokenRecord {
        user_id,
        client_id,
        device,
        credential_id: CredentialId::parse(format!("dcr_{n:032x}")).unwrap(),
        token_hash,
        scope: Scope::parse("openid offline_access profile").unwrap(),
        created_at: 1_700_000_000 + n,
        last_used_at: 1_700_000_000 + n,
        profile: Profile {
            name: Some("Ana".into()),
            email: None,
            email_verified: None,
        },
    };
    let parsed = refresh_token::parse(&value).unwrap();
    (record, value, parsed)
}

async fn with_user(store: &Arc<dyn Store>, id: &str) {
    store
        .put_user(&user(id, &format!("{id}@example.com")))
        .await
        .unwrap();
}

async fn users_are_found_by_their_normalized_login(store: Arc<dyn Store>) {
    let mut ana = user("usr_ana", "ana@example.com");
    ana.password_hash = hash_password(&Password::new("pw")).unwrap();
    store.put_user(&ana).await.unwrap();
    assert_eq!(
        store.find_user("  ANA@Example.com ").await.unwrap(),
        Some(ana)
    );
    assert_eq!(store.find_user("bob@example.com").await.unwrap(), None);
}

async fn unknown_users_have_no_credential_list(store: Arc<dyn Store>) {
    let nobody = UserId::parse("usr_nobody".into()).unwrap();
    assert_eq!(store.list_credentials(&nobody).await.unwrap(), None);
    with_user(&store, "usr_empty").await;
    let empty = UserId::parse("usr_empty".into()).unwrap();
    assert_eq!(store.list_credentials(&empty).await.unwrap(), Some(vec![]));
}

async fn a_stored_token_redeems_and_records_its_use(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    let (record, _, token) = issued("usr_1", "app", "phone", 1);
    store.put_refresh_token(&record).await.unwrap();
    let redeemed = store
        .redeem(&token, 1_800_000_000)
        .await
        .unwrap()
        .expect("token redeems");
    assert_eq!(redeemed.last_used_at, 1_800_000_000);
    assert_eq!(
        RefreshTokenRecord {
            last_used_at: record.last_used_at,
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

async fn a_wrong_secret_redeems_nothing_and_changes_nothing(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    let (record, _, _) = issued("usr_1", "app", "phone", 1);
    let (_, _, forged) = issued("usr_1", "app", "phone", 2);
    store.put_refresh_token(&record).await.unwrap();
    assert!(store
        .redeem(&forged, 1_800_000_000)
        .await
        .unwrap()
        .is_none());
    assert!(!store.revoke_token(&forged).await.unwrap());
    assert_eq!(
        store.list_credentials(&record.user_id).await.unwrap(),
        Some(vec![record])
    );
}

async fn reauthorizing_a_device_replaces_its_record(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    let (first, _, first_token) = issued("usr_1", "app", "phone", 1);
    let (second, _, second_token) = issued("usr_1", "app", "phone", 2);
    store.put_refresh_token(&first).await.unwrap();
    store.put_refresh_token(&second).await.unwrap();
    assert!(
        store.redeem(&first_token, 5).await.unwrap().is_none(),
        "the old token stops working"
    );
    assert!(store.redeem(&second_token, 5).await.unwrap().is_some());
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

async fn each_app_and_device_has_its_own_record(store: Arc<dyn Store>) {
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

async fn revoking_by_token_removes_only_that_record(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    let (phone, _, phone_token) = issued("usr_1", "app", "phone", 1);
    let (laptop, _, laptop_token) = issued("usr_1", "app", "laptop", 2);
    store.put_refresh_token(&phone).await.unwrap();
    store.put_refresh_token(&laptop).await.unwrap();
    assert!(store.revoke_token(&phone_token).await.unwrap());
    assert!(
        !store.revoke_token(&phone_token).await.unwrap(),
        "a second revoke finds nothing"
    );
    assert!(store.redeem(&phone_token, 5).await.unwrap().is_none());
    assert!(store.redeem(&laptop_token, 5).await.unwrap().is_some());
}

async fn revoking_by_credential_id_is_scoped_to_the_user(store: Arc<dyn Store>) {
    with_user(&store, "usr_1").await;
    with_user(&store, "usr_2").await;
    let (record, _, token) = issued("usr_1", "app", "phone", 7);
    store.put_refresh_token(&record).await.unwrap();
    let other = UserId::parse("usr_2".into()).unwrap();
    assert!(!store
        .revoke_credential(&other, &record.credential_id)
        .await
        .unwrap());
    assert!(store.redeem(&token, 5).await.unwrap().is_some());
    assert!(store
        .revoke_credential(&record.user_id, &record.credential_id)
        .await
        .unwrap());
    assert!(store.redeem(&token, 5).await.unwrap().is_none());
    assert!(!store
        .revoke_credential(&record.user_id, &record.credential_id)
        .await
        .unwrap());
}

macro_rules! store_contract {
    ($($case:ident),* $(,)?) => {
        mod in_memory {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(std::sync::Arc::new(super::MemoryStore::new())).await;
                }
            )*
        }
        mod on_dynalite {
            $(
                #[tokio::test]
                async fn $case() {
                    let settings = super::fresh_table().await;
                    super::$case(std::sync::Arc::new(super::DynamoStore::connect(&settings).await)).await;
                }
            )*
        }
    };
}

store_contract!(
    users_are_found_by_their_normalized_login,
    unknown_users_have_no_credential_list,
    a_stored_token_redeems_and_records_its_use,
    a_wrong_secret_redeems_nothing_and_changes_nothing,
    reauthorizing_a_device_replaces_its_record,
    each_app_and_device_has_its_own_record,
    revoking_by_token_removes_only_that_record,
    revoking_by_credential_id_is_scoped_to_the_user,
);
