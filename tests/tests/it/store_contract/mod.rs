//! The store contract: the same cases run against the in-memory store and the
//! DynamoDB store on dynalite, so the two can't drift apart.

use std::sync::Arc;

use shared::domain::password::hash_password;
use shared::ids::{ClientId, CredentialId, DeviceName, Scope, UserId};
use shared::jwt::Profile;
use shared::refresh_token::TokenHash;
use shared::refresh_token::{self, RefreshKeys, RefreshToken};
use shared::secret::{Password, RefreshTokenValue};
use shared::store::dynamodb::DynamoStore;
use shared::store::memory::MemoryStore;
use shared::store::{
    CodeBinding, CodeGrant, CodeRecord, PasswordHash, RefreshAttempt, RefreshTokenRecord, Seen,
    SignInRecord, Store, UserRecord,
};

use crate::dynalite::fresh_table;

mod codes_and_users;
mod dpop;
mod failures;
mod rotation;
mod sessions;

use codes_and_users::*;
use dpop::*;
use failures::*;
use rotation::*;
use sessions::*;

fn user(id: &str, username: &str) -> UserRecord {
    UserRecord {
        user_id: UserId::parse(id.into()).unwrap(),
        username: username.into(),
        password_hash: PasswordHash::new(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA"
                .into(),
        ),
        profile: Profile {
            name: Some("Ana".into()),
            email: Some(username.into()),
            email_verified: Some(true),
        },
        admin: false,
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
    let keys = refresh_keys();
    let (value, token_hash) = refresh_token::mint(&keys, &user_id, &client_id, &device).unwrap();
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
        dpop_jkt: None,
        first_seen: Seen::new(
            "203.0.113.7".parse().ok(),
            Some("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
        ),
        last_seen: Seen::new("198.51.100.2".parse().ok(), None),
    };
    let parsed = refresh_token::parse(&keys, &value).unwrap();
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
        scope_one_of: None,
        proof: None,
        seen: &REFRESHED_FROM,
    }
}

/// Where the contract's refreshes come from.
pub static REFRESHED_FROM: std::sync::LazyLock<Seen> =
    std::sync::LazyLock::new(|| Seen::new("2001:db8::5".parse().ok(), Some("okhttp/4.12.0")));

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

/// The refresh-token keys of every contract case (one fixed key).
pub fn refresh_keys() -> RefreshKeys {
    RefreshKeys::parse("k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8").unwrap()
}

async fn with_user(store: &Arc<dyn Store>, id: &str) {
    assert!(store
        .create_user(&user(id, &format!("{id}@example.com")))
        .await
        .unwrap());
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
            auth_time: Some(900),
            seen: Seen::new("192.0.2.1".parse().ok(), Some("Safari")),
        },
        expires_at,
        used_at: None,
        used_by: None,
    }
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
    an_account_is_found_by_user_id_with_its_admin_role,
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
    a_refresh_asking_for_more_scope_than_granted_changes_nothing,
    ending_a_session_needs_its_credential_id,
    a_code_is_used_up_by_its_first_use,
    an_expired_code_is_refused_and_stays_unused,
    a_code_presented_by_another_client_callback_or_verifier_stays_usable,
    credentials_are_found_by_id_and_revoked_all_at_once,
    creating_a_user_refuses_a_taken_login,
    a_revoked_access_token_stays_revoked_until_it_expires,
    a_sign_in_is_found_until_it_ends_or_the_user_signs_out_everywhere,
    failures_count_up_within_a_window_and_restart_after_it,
    concurrent_failures_are_all_counted,
    a_bound_session_refreshes_only_with_a_fresh_proof_by_its_key,
    an_unbound_session_refreshes_with_or_without_a_proof,
);
