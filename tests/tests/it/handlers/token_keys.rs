//! The refresh-token key set: rotating it keeps every issued token, retry
//! and reuse check working until the retired key is removed; tokens in the
//! readable format 1 keep working, and their successors are sealed.

use shared::ids::{ClientId, DeviceName, Scope, UserId};
use shared::store::{RefreshTokenRecord, Sessions};

use super::harness::{Harness, Reply};

const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const K2: &str = "k2:Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA";

async fn refresh(harness: &Harness, client: &str, token: &str) -> Reply {
    harness.refresh_as(client, token, &[]).await
}

/// The successor a refresh answered with.
async fn next(harness: &Harness, client: &str, token: &str) -> String {
    let reply = refresh(harness, client, token).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["refresh_token"].as_str().unwrap().to_owned()
}

async fn first_token(harness: &Harness, client: &str, device: &str) -> String {
    harness
        .tokens_of_client(client, "ana@example.com", device)
        .await["refresh_token"]
        .clone()
}

#[tokio::test]
async fn a_rotated_key_keeps_tokens_retries_and_reuse_detection_until_it_is_removed() {
    let before = Harness::with_vars(&[("REFRESH_TOKEN_KEYS", K1)]).await;
    let retried = first_token(&before, "web", "tablet").await;
    let answered = next(&before, "web", &retried).await;
    let t0 = first_token(&before, "zero-leeway", "phone").await;
    assert!(t0.starts_with("rt2.k1."), "{t0}");
    let t1 = next(&before, "zero-leeway", &t0).await;

    let rotated = format!("{K2},{K1}");
    let after = before.reconfigured(&[("REFRESH_TOKEN_KEYS", &rotated)]);
    // A retry inside the leeway, across the deploy, gets the same successor.
    assert_eq!(next(&after, "web", &retried).await, answered);
    // An issued token keeps working, and its session stays on its key.
    let t2 = next(&after, "zero-leeway", &t1).await;
    assert!(t2.starts_with("rt2.k1."), "{t2}");
    // New sessions use the current key.
    let fresh = first_token(&after, "zero-leeway", "laptop").await;
    assert!(fresh.starts_with("rt2.k2."), "{fresh}");
    // Reuse of a k1 ancestor is still detected: the session ends.
    assert_eq!(refresh(&after, "zero-leeway", &t0).await.status, 400);
    assert_eq!(refresh(&after, "zero-leeway", &t2).await.status, 400);

    // With k1 removed, its tokens are refused; k2's keep working.
    let removed = before.reconfigured(&[("REFRESH_TOKEN_KEYS", K2)]);
    let reply = refresh(&removed, "web", &answered).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_grant");
    let fresh_next = next(&removed, "zero-leeway", &fresh).await;
    assert!(fresh_next.starts_with("rt2.k2."));
}

#[tokio::test]
async fn a_format_1_token_refreshes_once_into_a_sealed_token() {
    let harness = Harness::with_vars(&[("REFRESH_TOKEN_KEYS", K1)]).await;
    let (user, client, device) = (
        UserId::parse("usr_ana".into()).unwrap(),
        ClientId::parse("web".into()).unwrap(),
        DeviceName::parse("Ana's old phone".into()).unwrap(),
    );
    let (legacy, hash) = shared::refresh_token::mint_legacy(&user, &client, &device).unwrap();
    let now = shared::domain::now();
    let record = RefreshTokenRecord {
        user_id: user,
        client_id: client,
        device,
        credential_id: shared::domain::session::new_credential_id().unwrap(),
        token_hash: hash,
        prev_hash: None,
        rotated_at: None,
        scope: Scope::parse("openid offline_access").unwrap(),
        created_at: now,
        last_used_at: now,
        expires_at: now + 3600,
        profile: Default::default(),
        dpop_jkt: None,
        first_seen: Default::default(),
        last_seen: Default::default(),
    };
    harness.store.put_refresh_token(&record).await.unwrap();
    let legacy = legacy.expose_secret().to_owned();
    assert!(legacy.starts_with("rt1."));

    let sealed = next(&harness, "web", &legacy).await;
    assert!(sealed.starts_with("rt2.k1."), "{sealed}");
    assert!(!sealed.contains("usr_ana"));
    assert_eq!(
        next(&harness, "web", &legacy).await,
        sealed,
        "a retry: the same"
    );
    let after = next(&harness, "web", &sealed).await;
    assert!(after.starts_with("rt2.k1."));
}
