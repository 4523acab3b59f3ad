//! Store contract: authorization codes and the user directory.

use super::*;

pub(super) async fn users_are_found_by_their_normalized_login(store: Arc<dyn Store>) {
    let mut ana = user("usr_ana", "ana@example.com");
    ana.password_hash = hash_password(&Password::new("pw")).unwrap();
    assert!(store.create_user(&ana).await.unwrap());
    assert_eq!(
        store.find_user("  ANA@Example.com ").await.unwrap(),
        Some(ana)
    );
    assert_eq!(store.find_user("bob@example.com").await.unwrap(), None);
}

pub(super) async fn an_account_is_found_by_user_id_with_its_admin_role(store: Arc<dyn Store>) {
    let ana = user("usr_ana", "ana@example.com");
    let root = UserRecord {
        admin: true,
        ..user("usr_root", "root@example.com")
    };
    for created in [&ana, &root] {
        assert!(store.create_user(created).await.unwrap());
    }
    let found = |id: &str| {
        let store = store.clone();
        let id = UserId::parse(id.into()).unwrap();
        async move { store.find_account(&id).await.unwrap() }
    };
    let ana_account = found("usr_ana").await.unwrap();
    assert_eq!(
        (ana_account.username.as_str(), ana_account.admin),
        ("ana@example.com", false)
    );
    assert_eq!(ana_account.profile, ana.profile);
    assert!(found("usr_root").await.unwrap().admin);
    assert!(
        store
            .find_user("root@example.com")
            .await
            .unwrap()
            .unwrap()
            .admin
    );
    assert_eq!(found("usr_nobody").await, None);
}

pub(super) async fn a_code_is_used_up_by_its_first_use(store: Arc<dyn Store>) {
    let issued = code(1, 1_000);
    store.put_code(&issued).await.unwrap();
    let first = bound(&issued);
    let used = store
        .consume_code(&issued.code_hash, &first, 990)
        .await
        .unwrap()
        .expect("the first use succeeds");
    assert_eq!(used.used_at, Some(990));
    // The same request's write again (the SDK retrying after a late answer)
    // sees its own use, not a replay.
    assert!(store
        .consume_code(&issued.code_hash, &first, 990)
        .await
        .unwrap()
        .is_some());
    assert_eq!(used.grant, issued.grant, "the grant round-trips");
    assert!(store
        .consume_code(&issued.code_hash, &bound(&issued), 991)
        .await
        .unwrap()
        .is_none());
    let found = store.find_code(&issued.code_hash).await.unwrap().unwrap();
    assert_eq!(found.used_at, Some(990), "a replay can be recognised");
    let unknown = TokenHash::from_bytes(&[9; 32]).unwrap();
    assert!(store
        .consume_code(&unknown, &bound(&issued), 990)
        .await
        .unwrap()
        .is_none());
    assert!(store.find_code(&unknown).await.unwrap().is_none());
}

/// The binding a token request for exactly this code presents.
/// Each call is a new request, with its own id.
fn bound(code: &CodeRecord) -> CodeBinding {
    static REQUESTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = REQUESTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    CodeBinding {
        client_id: code.grant.client_id.clone(),
        redirect_uri: code.grant.redirect_uri.clone(),
        code_challenge: code.grant.code_challenge.clone(),
        request_id: format!("request-{n}"),
    }
}

pub(super) async fn a_code_presented_by_another_client_callback_or_verifier_stays_usable(
    store: Arc<dyn Store>,
) {
    let issued = code(3, 1_000);
    store.put_code(&issued).await.unwrap();
    let right = bound(&issued);
    let wrong = [
        CodeBinding {
            client_id: ClientId::parse("other".into()).unwrap(),
            ..right.clone()
        },
        CodeBinding {
            redirect_uri: "https://app.example/cb".into(),
            ..right.clone()
        },
        CodeBinding {
            code_challenge: Some("x".repeat(43)),
            ..right.clone()
        },
        CodeBinding {
            code_challenge: None,
            ..right.clone()
        },
    ];
    for binding in &wrong {
        assert!(
            store
                .consume_code(&issued.code_hash, binding, 990)
                .await
                .unwrap()
                .is_none(),
            "{binding:?}"
        );
    }
    let found = store.find_code(&issued.code_hash).await.unwrap().unwrap();
    assert_eq!(found, issued, "refused uses change nothing");
    assert!(store
        .consume_code(&issued.code_hash, &right, 990)
        .await
        .unwrap()
        .is_some());
    let mut plain = code(4, 1_000);
    plain.grant.code_challenge = None;
    store.put_code(&plain).await.unwrap();
    assert!(
        store
            .consume_code(&plain.code_hash, &right, 990)
            .await
            .unwrap()
            .is_none(),
        "a verifier for a code issued without a challenge"
    );
    assert!(store
        .consume_code(&plain.code_hash, &bound(&plain), 990)
        .await
        .unwrap()
        .is_some());
}

pub(super) async fn an_expired_code_is_refused_and_stays_unused(store: Arc<dyn Store>) {
    let issued = code(2, 1_000);
    store.put_code(&issued).await.unwrap();
    assert!(store
        .consume_code(&issued.code_hash, &bound(&issued), 1_001)
        .await
        .unwrap()
        .is_none());
    let found = store.find_code(&issued.code_hash).await.unwrap().unwrap();
    assert_eq!(found.used_at, None);
}

pub(super) async fn creating_a_user_refuses_a_taken_login(store: Arc<dyn Store>) {
    let first = user("usr_first", "taken@example.com");
    assert!(store.create_user(&first).await.unwrap());
    assert!(
        store.create_user(&first).await.unwrap(),
        "the same write again (a retry) is not a conflict"
    );
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

pub(super) async fn a_revoked_access_token_stays_revoked_until_it_expires(store: Arc<dyn Store>) {
    let jti = "0123456789abcdef0123456789abcdef";
    assert!(!store.is_access_token_revoked(jti, 1_000).await.unwrap());
    store.revoke_access_token(jti, 2_000).await.unwrap();
    assert!(store.is_access_token_revoked(jti, 1_000).await.unwrap());
    assert!(store.is_access_token_revoked(jti, 2_000).await.unwrap());
    assert!(
        !store.is_access_token_revoked(jti, 2_001).await.unwrap(),
        "past its token's expiry the entry no longer counts (the TTL removes it)"
    );
    assert!(!store
        .is_access_token_revoked("fedcba9876543210fedcba9876543210", 1_000)
        .await
        .unwrap());
}

pub(super) async fn a_sign_in_is_found_until_it_ends_or_the_user_signs_out_everywhere(
    store: Arc<dyn Store>,
) {
    let user = UserId::parse("usr_signin".into()).unwrap();
    let record = SignInRecord {
        user_id: user.clone(),
        secret_hash: TokenHash::from_bytes(&[5; 32]).unwrap(),
        auth_time: 1_000,
        expires_at: 2_000,
    };
    store.put_sign_in(&record).await.unwrap();
    let find = |now| {
        let store = store.clone();
        let user = user.clone();
        async move {
            store
                .find_sign_in(&user, &TokenHash::from_bytes(&[5; 32]).unwrap(), now)
                .await
                .unwrap()
        }
    };
    assert_eq!(find(1_500).await, Some(record.clone()));
    assert_eq!(find(2_001).await, None, "ended by its expiry");
    let other = TokenHash::from_bytes(&[6; 32]).unwrap();
    assert_eq!(
        store.find_sign_in(&user, &other, 1_500).await.unwrap(),
        None
    );
    store.end_sign_in(&user, &record.secret_hash).await.unwrap();
    assert_eq!(find(1_500).await, None, "logout ends it");
    store.end_sign_in(&user, &record.secret_hash).await.unwrap();

    store.put_sign_in(&record).await.unwrap();
    store.revoke_all(&user).await.unwrap();
    assert_eq!(find(1_500).await, None, "sign out everywhere ends it");
}
