//! Refresh-token tampering, and a user probing another user's tokens: every
//! attempt is `invalid_grant` (or the same answer as for a token that does
//! not exist), and no record moves.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use shared::ids::{ClientId, DeviceName, UserId};
use shared::refresh_policy::DEFAULT_ABSOLUTE_LIFETIME;
use shared::secret::RefreshTokenValue;
use shared::store::{RefreshTokenRecord, Sessions};

use super::{Answer, Case, Expect, Fixture, Raw};
use crate::handlers::harness::form;

const GRANT: Expect = Expect::Json(400, "invalid_grant");

/// The token with its locator rewritten to name other parts.
fn relocated(token: &str, user: &str, client: &str, device: &str) -> String {
    let secret = token.rsplit('.').next().unwrap();
    let locator = URL_SAFE_NO_PAD.encode(json!([user, client, device]).to_string());
    format!("rt1.{locator}.{secret}")
}

/// The token with one bit of its secret flipped.
fn flipped(token: &str) -> String {
    let (head, secret) = token.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(secret).unwrap();
    bytes[7] ^= 0x01;
    format!("{head}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn delegation(client_id: &str, token: &str) -> Raw {
    let body = json!({
        "client_id": client_id,
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "refresh_token": token,
        "scope": "openid",
    });
    Raw::post("/delegation", "application/json", body.to_string())
}

fn token_grant(client_id: &str, token: &str) -> Raw {
    Raw::form(
        "/oauth/token",
        form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", token),
        ]),
    )
}

/// Both refresh endpoints, each refusing the same way.
fn both(name: &str, client_id: &str, token: &str) -> [Case; 2] {
    [
        Case::new(
            format!("/delegation: {name}"),
            delegation(client_id, token),
            GRANT,
        ),
        Case::new(
            format!("/oauth/token: {name}"),
            token_grant(client_id, token),
            GRANT,
        ),
    ]
}

/// A record of Ana's on `device` that went idle long ago, and its token.
async fn expired_token(fixture: &Fixture, device: &str) -> String {
    let long_ago = shared::domain::now() - DEFAULT_ABSOLUTE_LIFETIME - 60;
    stored_token(fixture, device, long_ago, false).await
}

/// A live record of Ana's on `device` whose token is in format 1 (issued
/// before sealed tokens): its locator is readable, so it can be rewritten.
async fn legacy_token(fixture: &Fixture, device: &str) -> String {
    stored_token(fixture, device, shared::domain::now(), true).await
}

/// Stores a session of Ana's with the web client, last used at `used`.
async fn stored_token(fixture: &Fixture, device: &str, used: u64, legacy: bool) -> String {
    let user = UserId::parse("usr_ana".into()).unwrap();
    let client = ClientId::parse("web".into()).unwrap();
    let device = DeviceName::parse(device.into()).unwrap();
    let keys = &fixture.harness.services.authority.refresh_keys;
    let (value, hash) = match legacy {
        true => shared::refresh_token::mint_legacy(&user, &client, &device).unwrap(),
        false => shared::refresh_token::mint(keys, &user, &client, &device).unwrap(),
    };
    let record = RefreshTokenRecord {
        user_id: user,
        client_id: client,
        device,
        credential_id: shared::domain::session::new_credential_id().unwrap(),
        token_hash: hash,
        prev_hash: None,
        rotated_at: None,
        scope: shared::ids::Scope::parse("openid offline_access").unwrap(),
        created_at: used,
        last_used_at: used,
        expires_at: shared::domain::now() + 3600,
        profile: Default::default(),
        dpop_jkt: None,
        first_seen: Default::default(),
        last_seen: Default::default(),
    };
    fixture
        .harness
        .store
        .put_refresh_token(&record)
        .await
        .unwrap();
    value.expose_secret().to_owned()
}

/// A token of Ana's that she revoked.
async fn revoked_token(fixture: &Fixture) -> String {
    let tokens = fixture
        .harness
        .tokens_for("ana@example.com", "old tablet")
        .await;
    let path = format!(
        "/api/users/usr_ana/refresh_tokens/{}",
        tokens["refresh_token"]
    );
    let answer = fixture
        .send(&Raw::delete(path).bearer(&tokens["access_token"]))
        .await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    tokens["refresh_token"].clone()
}

pub async fn cases(fixture: &Fixture) -> Vec<Case> {
    let ana = fixture.ana["refresh_token"].clone();
    let bob = fixture.bob["refresh_token"].clone();
    let revoked = revoked_token(fixture).await;
    let expired = expired_token(fixture, "forgotten phone").await;
    let old = legacy_token(fixture, "old phone").await;
    let mut cases = Vec::new();
    for (name, client, token) in [
        (
            "Bob's user id in Ana's token",
            "web",
            relocated(&old, "usr_bob", "web", "phone"),
        ),
        (
            "Bob's user and device in Ana's token",
            "web",
            relocated(&old, "usr_bob", "web", "laptop"),
        ),
        (
            "another device in the token",
            "web",
            relocated(&old, "usr_ana", "web", "laptop"),
        ),
        (
            "another client in the token",
            "classic-app",
            relocated(&old, "usr_ana", "classic-app", "old phone"),
        ),
        ("a flipped bit in the sealed part", "web", flipped(&ana)),
        (
            "a flipped secret bit in a format-1 token",
            "web",
            flipped(&old),
        ),
        (
            "a sealed part under another key id",
            "web",
            ana.replacen("rt2.t1.", "rt2.t2.", 1),
        ),
        (
            "the right token, the wrong client_id",
            "classic-app",
            ana.clone(),
        ),
        ("a revoked token", "web", revoked.clone()),
        ("an expired token", "web", expired.clone()),
        (
            "a token of an unknown user",
            "web",
            relocated(&old, "usr_nobody", "web", "old phone"),
        ),
        (
            "no secret",
            "web",
            format!("{}.", ana.rsplit_once('.').unwrap().0),
        ),
        (
            "a short secret",
            "web",
            format!("{}.AAAA", ana.rsplit_once('.').unwrap().0),
        ),
        (
            "another version prefix",
            "web",
            ana.replacen("rt2.", "rt3.", 1),
        ),
        (
            "a locator that is not JSON",
            "web",
            format!("rt1.bm90IGpzb24.{}", old.rsplit('.').next().unwrap()),
        ),
        (
            "a locator with a null byte",
            "web",
            relocated(&old, "usr_ana\u{0}", "web", "old phone"),
        ),
        (
            "a token past its length limit",
            "web",
            format!("{ana}{}", "A".repeat(3000)),
        ),
    ] {
        cases.extend(both(name, client, &token));
    }
    for request in [
        delegation("confidential-app", &ana),
        token_grant("confidential-app", &ana),
    ] {
        let name = format!("{}: a confidential client's id and no secret", request.uri);
        cases.push(Case::new(
            name,
            request,
            Expect::Json(401, "invalid_client"),
        ));
    }
    cases.push(Case::new(
        "RFC 7009 revocation of a made-up token",
        Raw::form(
            "/oauth/revoke",
            form(&[("token", flipped(&ana).as_str()), ("client_id", "web")]),
        ),
        Expect::Empty(200),
    ));
    cases.extend(cross_user(fixture, &bob));
    cases
}

/// Ana acting on Bob's token by every route.
fn cross_user(fixture: &Fixture, bob: &str) -> Vec<Case> {
    let ana_access = &fixture.ana["access_token"];
    vec![
        Case::new(
            "Ana revokes Bob's token under Bob's path",
            Raw::delete(format!("/api/users/usr_bob/refresh_tokens/{bob}")).bearer(ana_access),
            Expect::Json(403, "insufficient_scope"),
        ),
        Case::new(
            "Ana revokes Bob's token under her own path",
            Raw::delete(format!("/api/users/usr_ana/refresh_tokens/{bob}")).bearer(ana_access),
            Expect::Json(404, "not_found"),
        ),
        Case::new(
            "Ana signs Bob out everywhere",
            Raw::delete("/api/users/usr_bob/refresh_tokens").bearer(ana_access),
            Expect::Json(403, "insufficient_scope"),
        ),
        Case::new(
            "RFC 7009 revocation of Bob's token by another client",
            Raw::form(
                "/oauth/revoke",
                form(&[("token", bob), ("client_id", "classic-app")]),
            ),
            Expect::Json(400, "invalid_grant"),
        ),
    ]
}

/// What a caller learns about a real token of someone else's must equal what
/// it learns about one that does not exist.
#[tokio::test]
async fn probing_another_users_tokens_reveals_nothing_and_removes_nothing() {
    let fixture = Fixture::new().await;
    let bob = fixture.bob["refresh_token"].clone();
    // A well-formed token for Bob's session that is not its current one
    // (sealed with the server's keys, as an old token of Bob's would be).
    let keys = &fixture.harness.services.authority.refresh_keys;
    let parsed = shared::refresh_token::parse(keys, &RefreshTokenValue::new(bob.clone())).unwrap();
    let (fake, _) =
        shared::refresh_token::mint(keys, &parsed.user_id, &parsed.client_id, &parsed.device)
            .unwrap();
    let fake = fake.expose_secret().to_owned();
    let ana_access = fixture.ana["access_token"].clone();
    let bob_credential = fixture
        .harness
        .store
        .snapshot()
        .unwrap()
        .tokens
        .iter()
        .find(|(key, _)| key.0.as_str() == "usr_bob")
        .map(|(_, record)| record.credential_id.to_string())
        .unwrap();
    type Probe<'a> = Box<dyn Fn(&str) -> Raw + 'a>;
    let probes: Vec<(&str, Probe, Expect)> = vec![
        (
            "under Bob's path",
            Box::new(|t: &str| {
                Raw::delete(format!("/api/users/usr_bob/refresh_tokens/{t}")).bearer(&ana_access)
            }),
            Expect::Json(403, "insufficient_scope"),
        ),
        (
            "under Ana's path",
            Box::new(|t: &str| {
                Raw::delete(format!("/api/users/usr_ana/refresh_tokens/{t}")).bearer(&ana_access)
            }),
            Expect::Json(404, "not_found"),
        ),
        (
            "RFC 7009 by another client",
            Box::new(|t: &str| {
                Raw::form(
                    "/oauth/revoke",
                    form(&[("token", t), ("client_id", "classic-app")]),
                )
            }),
            Expect::Json(400, "invalid_grant"),
        ),
    ];
    for (name, probe, expect) in &probes {
        let real = fixture
            .check(&Case::new(
                format!("real token {name}"),
                probe(&bob),
                *expect,
            ))
            .await;
        let made_up = fixture
            .check(&Case::new(
                format!("made-up token {name}"),
                probe(&fake),
                *expect,
            ))
            .await;
        assert_same(&real, &made_up, name);
    }
    let by_id = |id: &str| Raw::delete(format!("/api/device-credentials/{id}")).bearer(&ana_access);
    let real = fixture
        .check(&Case::new(
            "Bob's credential id as Ana",
            by_id(&bob_credential),
            Expect::Json(404, "not_found"),
        ))
        .await;
    let made_up = fixture
        .check(&Case::new(
            "a made-up credential id as Ana",
            by_id("dcr_0000000000000000000000000000000a"),
            Expect::Json(404, "not_found"),
        ))
        .await;
    assert_same(&real, &made_up, "by credential id");
}

fn assert_same(real: &Answer, made_up: &Answer, name: &str) {
    assert_eq!(
        (real.status, &real.body),
        (made_up.status, &made_up.body),
        "{name}: the answers differ"
    );
}
