//! Micro-benchmarks (`cargo bench -p shared`): minting and verifying id and
//! access tokens with RS256, ES256 and EdDSA; parsing and hashing a refresh
//! token; and a whole refresh through the delegation router in-process, on the
//! in-memory store, by `/oauth/token` and by `/delegation`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use axum::body::Body;
use criterion::{criterion_group, criterion_main, Criterion};
use jsonwebtoken::Algorithm;
use shared::app::Services;
use shared::config::Config;
use shared::domain::session::{self, NewSession};
use shared::http::delegation::{router, DelegationState};
use shared::ids::{ClientId, CredentialId, DeviceName, Scope, UserId};
use shared::jwt::{IdTokenRequest, Profile, TokenSigner};
use shared::keys::SigningKey;
use shared::refresh_token::{self, RefreshKeys};
use shared::store::memory::MemoryStore;
use tower::ServiceExt;

fn signer(algorithm: Algorithm) -> TokenSigner {
    let pem = SigningKey::generate_pem(algorithm).unwrap();
    let key = SigningKey::from_pem(&pem, algorithm, None).unwrap();
    TokenSigner::new(
        key,
        "https://auth.example/".into(),
        "https://auth.example/api/".into(),
    )
}

fn tokens(c: &mut Criterion) {
    let client = ClientId::parse("app".into()).unwrap();
    let scope = Scope::parse("openid profile email offline_access").unwrap();
    let profile = Profile {
        name: Some("Ana".into()),
        email: Some("ana@example.com".into()),
        email_verified: Some(true),
    };
    let now = shared::domain::now();
    for (name, algorithm) in [
        ("RS256", Algorithm::RS256),
        ("ES256", Algorithm::ES256),
        ("EdDSA", Algorithm::EdDSA),
    ] {
        let signer = signer(algorithm);
        let request = IdTokenRequest {
            sub: "usr_1",
            audience: &client,
            profile: &profile,
            scope: &scope,
            nonce: None,
            auth_time: now,
            algorithm: None,
        };
        c.bench_function(&format!("mint id token {name}"), |b| {
            b.iter(|| signer.mint_id_token(&request, now).unwrap())
        });
        c.bench_function(&format!("mint access token {name}"), |b| {
            b.iter(|| {
                signer
                    .mint_access_token("usr_1", &client, &scope, now)
                    .unwrap()
            })
        });
        let (access, _) = signer
            .mint_access_token("usr_1", &client, &scope, now)
            .unwrap();
        c.bench_function(&format!("verify access token {name}"), |b| {
            b.iter(|| signer.verify_access_token(access.expose_secret()).unwrap())
        });
        let (id, _) = signer.mint_id_token(&request, now).unwrap();
        c.bench_function(&format!("verify id token {name}"), |b| {
            b.iter(|| signer.verify_id_token(id.expose_secret(), &client).unwrap())
        });
    }
    let user = UserId::parse("usr_1".into()).unwrap();
    let device = DeviceName::parse("Ana's phone".into()).unwrap();
    let keys = RefreshKeys::parse(&RefreshKeys::generate_text("k1").unwrap()).unwrap();
    let (sealed, _) = refresh_token::mint(&keys, &user, &client, &device).unwrap();
    c.bench_function("open (parse, decrypt, hash) a sealed refresh token", |b| {
        b.iter(|| refresh_token::parse(&keys, &sealed).unwrap())
    });
    let token = refresh_token::parse(&keys, &sealed).unwrap();
    c.bench_function("derive and seal a successor", |b| {
        b.iter(|| token.successor(&keys).unwrap().value(&keys).unwrap())
    });
    let (legacy, _) = refresh_token::mint_legacy(&user, &client, &device).unwrap();
    c.bench_function("parse and hash a format-1 refresh token", |b| {
        b.iter(|| refresh_token::parse(&keys, &legacy).unwrap())
    });
}

/// The delegation router over a memory store holding one session of a
/// client that does not rotate, so the same token refreshes every time.
fn refresh_setup(runtime: &tokio::runtime::Runtime, client_id: &str) -> (axum::Router, String) {
    let pem = SigningKey::generate_pem(Algorithm::ES256).unwrap();
    let rsa = SigningKey::generate_pem(Algorithm::RS256).unwrap();
    let clients = r#"[{"client_id":"app","name":"App","callbacks":["https://app.example/cb"],
        "refresh_tokens":true,"refresh_token_policy":{"rotate":false},
        "grant_types":["refresh_token","urn:ietf:params:oauth:grant-type:jwt-bearer"]},
        {"client_id":"app-rs256","name":"App","callbacks":["https://app.example/cb"],
        "refresh_tokens":true,"refresh_token_policy":{"rotate":false},
        "grant_types":["refresh_token","urn:ietf:params:oauth:grant-type:jwt-bearer"],
        "id_token_signed_response_alg":"RS256"}]"#;
    let vars = [
        ("ISSUER", "https://auth.example/"),
        ("SIGNING_ALGORITHM", "ES256"),
        ("CLIENTS_JSON", clients),
    ];
    let config = Config::from_lookup(|name| match name {
        "SIGNING_KEY_PEM" => Some(pem.expose_secret().to_owned()),
        "RS256_SIGNING_KEY_PEM" => Some(rsa.expose_secret().to_owned()),
        other => vars
            .iter()
            .find(|(k, _)| *k == other)
            .map(|(_, v)| (*v).to_owned()),
    })
    .unwrap();
    let services = Arc::new(Services::from_config(&config).unwrap());
    let store = Arc::new(MemoryStore::new());
    let client = services.authority.clients.get(client_id).unwrap();
    let token = runtime.block_on(async {
        let session = NewSession {
            user_id: &UserId::parse("usr_1".into()).unwrap(),
            profile: &Profile::default(),
            device: &DeviceName::parse("phone".into()).unwrap(),
            scope: &Scope::parse("openid offline_access").unwrap(),
            credential_id: CredentialId::parse("dcr_bench".into()).unwrap(),
            dpop_jkt: None,
            first_seen: Default::default(),
            last_seen: Default::default(),
        };
        let keys = &services.authority.refresh_keys;
        session::start(store.as_ref(), keys, client, session, shared::domain::now())
            .await
            .unwrap()
    });
    let router = router(DelegationState::new(services.clone(), store));
    (router, token.expose_secret().to_owned())
}

fn refresh(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (client, label) in [("app", "ES256"), ("app-rs256", "ES256, RS256 id token")] {
        let (router, token) = refresh_setup(&runtime, client);
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("grant_type", "refresh_token"),
                ("client_id", client),
                ("refresh_token", &token),
            ])
            .finish();
        let json = serde_json::json!({"client_id": client, "refresh_token": token,
                                      "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"})
        .to_string();
        for (path, content_type, body) in [
            ("/oauth/token", "application/x-www-form-urlencoded", form),
            ("/delegation", "application/json", json),
        ] {
            let name = format!("refresh via {path} ({label}, in-process)");
            c.bench_function(&name, |b| {
                b.iter(|| {
                    let request = http::Request::post(path)
                        .header("content-type", content_type)
                        .body(Body::from(body.clone()))
                        .unwrap();
                    let response = runtime.block_on(router.clone().oneshot(request)).unwrap();
                    assert_eq!(response.status(), 200);
                })
            });
        }
    }
}

criterion_group!(benches, tokens, refresh);
criterion_main!(benches);
