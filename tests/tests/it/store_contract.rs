//! The store contract: the same cases run against the in-memory store and the
//! DynamoDB store on dynalite, so the two can't drift apart.

use std::sync::Arc;

use shared::domain::password::hash_password;
use shared::ids::{ClientId, CredentialId, DeviceName, Scope, UserId};
use shared::jwt::Profile;
use shared::keys::{parse_algorithm, SigningKey};
use shared::refresh_token::TokenHash;
use shared::refresh_token::{self, RefreshToken};
use shared::secret::{Password, RefreshTokenValue};
use shared::store::dynamodb::DynamoStore;
use shared::store::memory::MemoryStore;
use shared::store::{
    CodeGrant, CodeRecord, PasswordHash, RefreshAttempt, RefreshTokenRecord, Store, UserRecord,
};

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
        prev_hash: None,
        rotated_at: None,
        scope: Scope::parse("openid offline_access profile").unwrap(),
        created_at: 1_700_000_000 + n,
        last_used_at: 1_700_000_000 + n,
        expires_at: 1_800_000_000 + n,
        profile: Profile {
            name: Some("Ana".into()),
            email: None,
            email_verified: None,
        },
    };
    let parsed = refresh_token::parse(&value).unwrap();
    (record, value, parsed)
}

const DAY: u64 = 86_400;

/// An attempt without rotation and with lifetimes long enough not to matter.
fn plain(token: &RefreshToken, now: u64) -> RefreshAttempt<'_> {
    RefreshAttempt {
        token,
        successor: None,
        now,
        leeway: 30,
        absolute_lifetime: 20_000 * DAY,
        idle_lifetime: 20_000 * DAY,
    }
}

/// The same attempt with rotation to `next`.
fn rotating<'a>(token: &'a RefreshToken, next: &RefreshToken, now: u64) -> RefreshAttempt<'a> {
    RefreshAttempt {
        successor: Some(next.hash.clone()),
        ..plain(token, now)
    }
}

async fn redeem(
    store: &Arc<dyn Store>,
    token: &RefreshToken,
    now: u64,
) -> Option<RefreshTokenRecord> {
    store.refresh(&plain(token, now)).await.unwrap()
}

fn rotation_key() -> SigningKey {
    let alg = parse_algorithm("ES256").unwrap();
    SigningKey::from_pem(&SigningKey::generate_pem(alg).unwrap(), alg, None).unwrap()
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
    let redeemed = redeem(&store, &token, 1_800_000_000)
        .await
        .expect("token redeems");
    assert_eq!(redeemed.last_used_at, 1_800_000_000);
    assert_eq!(redeemed.expires_at, 1_800_000_000 + 20_000 * DAY);
    assert_eq!(
        RefreshTokenRecord {
            last_used_at: record.last_used_at,
            expires_at: record.expires_at,
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
    assert!(redeem(&store, &forged, 1_800_000_000).await.is_none());
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
    assert!(redeem(&store, &phone_token, 5).await.is_none());
    assert!(redeem(&store, &laptop_token, 5).await.is_some());
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

async fn rotation_moves_the_session_to_the_successor(store: Arc<dyn Store>) {
    let key = rotation_key();
    let (record, _, token) = issued("usr_1", "app", "phone", 1);
    store.put_refresh_token(&record).await.unwrap();
    let next = token.successor(key.rotation_key());
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
    assert_eq!(after.rotated_at, Some(1_800_000_000));
    assert!(
        redeem(&store, &token, 1_800_000_001).await.is_none(),
        "the predecessor is no longer current"
    );
    let third = next.successor(key.rotation_key());
    let again = store
        .refresh(&rotating(&next, &third, 1_800_000_100))
        .await
        .unwrap()
        .expect("the successor rotates in turn");
    assert!(again.prev_hash.unwrap().matches(&next.hash));
    assert_eq!(again.rotated_at, Some(1_800_000_100));
}

async fn a_retry_inside_the_leeway_gets_the_same_successor_and_keeps_the_rotation_time(
    store: Arc<dyn Store>,
) {
    let key = rotation_key();
    let (record, _, token) = issued("usr_1", "app", "phone", 1);
    store.put_refresh_token(&record).await.unwrap();
    let next = token.successor(key.rotation_key());
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

async fn a_grandparent_is_refused_even_inside_the_leeway(store: Arc<dyn Store>) {
    let key = rotation_key();
    let (record, _, token) = issued("usr_1", "app", "phone", 1);
    store.put_refresh_token(&record).await.unwrap();
    let next = token.successor(key.rotation_key());
    let third = next.successor(key.rotation_key());
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

async fn lifetimes_are_part_of_the_write_condition(store: Arc<dyn Store>) {
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

async fn ending_a_session_needs_its_credential_id(store: Arc<dyn Store>) {
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

fn code(n: u8, expires_at: u64) -> CodeRecord {
    CodeRecord {
        code_hash: TokenHash::from_bytes(&[n; 32]).unwrap(),
        grant: CodeGrant {
            client_id: ClientId::parse("app".into()).unwrap(),
            redirect_uri: "https://app.example/cb?x=1".into(),
            code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
            user_id: UserId::parse("usr_1".into()).unwrap(),
            scope: "openid offline_access".into(),
            device: Some(DeviceName::parse("Pixel \"9\"".into()).unwrap()),
            nonce: Some("n".into()),
            profile: Profile {
                name: Some("Ana".into()),
                email: None,
                email_verified: Some(true),
            },
            credential_id: CredentialId::parse(format!("dcr_{n:032x}")).unwrap(),
        },
        expires_at,
        used_at: None,
    }
}

async fn a_code_is_used_up_by_its_first_use(store: Arc<dyn Store>) {
    let issued = code(1, 1_000);
    store.put_code(&issued).await.unwrap();
    let used = store
        .consume_code(&issued.code_hash, 990)
        .await
        .unwrap()
        .expect("the first use succeeds");
    assert_eq!(used.used_at, Some(990));
    assert_eq!(used.grant, issued.grant, "the grant round-trips");
    assert!(store
        .consume_code(&issued.code_hash, 991)
        .await
        .unwrap()
        .is_none());
    let found = store.find_code(&issued.code_hash).await.unwrap().unwrap();
    assert_eq!(found.used_at, Some(990), "a replay can be recognised");
    let unknown = TokenHash::from_bytes(&[9; 32]).unwrap();
    assert!(store.consume_code(&unknown, 990).await.unwrap().is_none());
    assert!(store.find_code(&unknown).await.unwrap().is_none());
}

async fn an_expired_code_is_refused_and_stays_unused(store: Arc<dyn Store>) {
    let issued = code(2, 1_000);
    store.put_code(&issued).await.unwrap();
    assert!(store
        .consume_code(&issued.code_hash, 1_001)
        .await
        .unwrap()
        .is_none());
    let found = store.find_code(&issued.code_hash).await.unwrap().unwrap();
    assert_eq!(found.used_at, None);
}

async fn credentials_are_found_by_id_and_revoked_all_at_once(store: Arc<dyn Store>) {
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
    assert!(store.evict_session(bob.session()).await.unwrap());
    assert!(!store.evict_session(bob.session()).await.unwrap());
}

async fn creating_a_user_refuses_a_taken_login(store: Arc<dyn Store>) {
    let first = user("usr_first", "taken@example.com");
    assert!(store.create_user(&first).await.unwrap());
    let second = user("usr_second", "  TAKEN@example.com");
    assert!(!store.create_user(&second).await.unwrap());
    assert_eq!(
        store.find_user("taken@example.com").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.list_credentials(&second.user_id).await.unwrap(),
        None,
        "the refused user leaves nothing behind"
    );
    assert_eq!(
        store.list_credentials(&first.user_id).await.unwrap(),
        Some(vec![])
    );
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
    rotation_moves_the_session_to_the_successor,
    a_retry_inside_the_leeway_gets_the_same_successor_and_keeps_the_rotation_time,
    a_grandparent_is_refused_even_inside_the_leeway,
    lifetimes_are_part_of_the_write_condition,
    ending_a_session_needs_its_credential_id,
    a_code_is_used_up_by_its_first_use,
    an_expired_code_is_refused_and_stays_unused,
    credentials_are_found_by_id_and_revoked_all_at_once,
    creating_a_user_refuses_a_taken_login,
);
