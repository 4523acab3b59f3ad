//! Unit tests of minting, verifying and key rotation.
use super::*;
use jsonwebtoken::Algorithm;

fn signer() -> TokenSigner {
    signer_for(Algorithm::ES256)
}

fn signer_for(algorithm: Algorithm) -> TokenSigner {
    let pem = SigningKey::generate_pem(algorithm).unwrap();
    let key = SigningKey::from_pem(&pem, algorithm, None).unwrap();
    TokenSigner::new(
        key,
        "https://auth.example/".into(),
        "https://auth.example/api/".into(),
    )
}

/// An id-token request for `usr_1` with no nonce and `auth_time` 1.
fn id_request<'a>(
    audience: &'a ClientId,
    profile: &'a Profile,
    scope: &'a Scope,
    algorithm: Option<Algorithm>,
) -> IdTokenRequest<'a> {
    IdTokenRequest {
        sub: "usr_1",
        audience,
        profile,
        scope,
        nonce: None,
        auth_time: 1,
        algorithm,
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn an_access_token_verifies_and_an_id_token_does_not_pass_as_one() {
    let signer = signer();
    let client = ClientId::parse("app".into()).unwrap();
    let scope = Scope::parse("openid email").unwrap();
    let (access, _) = signer
        .mint_access_token("usr_1", &client, &scope, now())
        .unwrap();
    let claims = signer.verify_access_token(access.expose_secret()).unwrap();
    assert!(claims.has_scope("email"));

    let profile = Profile {
        email: Some("a@example.com".into()),
        ..Profile::default()
    };
    let request = IdTokenRequest {
        sub: "usr_1",
        audience: &client,
        profile: &profile,
        scope: &scope,
        nonce: Some("n"),
        auth_time: 1,
        algorithm: None,
    };
    let (id, expires_in) = signer.mint_id_token(&request, now()).unwrap();
    assert_eq!(expires_in, 36_000);
    assert!(signer.verify_access_token(id.expose_secret()).is_err());
    let id_claims = signer.verify_id_token(id.expose_secret(), &client).unwrap();
    assert_eq!(id_claims.profile.email.as_deref(), Some("a@example.com"));
    assert_eq!(id_claims.nonce.as_deref(), Some("n"));
}

#[test]
fn expired_and_foreign_audience_tokens_are_refused() {
    let signer = signer();
    let client = ClientId::parse("app".into()).unwrap();
    let other = ClientId::parse("other".into()).unwrap();
    let scope = Scope::parse("openid").unwrap();
    let (old, _) = signer
        .mint_access_token("usr_1", &client, &scope, now() - 7_200)
        .unwrap();
    assert!(signer.verify_access_token(old.expose_secret()).is_err());
    let profile = Profile::default();
    let request = id_request(&client, &profile, &scope, None);
    let (id, _) = signer.mint_id_token(&request, now()).unwrap();
    assert!(signer.verify_id_token(id.expose_secret(), &other).is_err());
}

#[test]
fn tokens_of_a_retired_key_verify_until_the_key_is_removed() {
    let issuer = "https://auth.example/".to_owned();
    let api = "https://auth.example/api/".to_owned();
    let old_pem = SigningKey::generate_pem(Algorithm::RS256).unwrap();
    let old = || SigningKey::from_pem_any(&old_pem).unwrap();
    let new = || {
        let pem = SigningKey::generate_pem(Algorithm::ES256).unwrap();
        SigningKey::from_pem(&pem, Algorithm::ES256, None).unwrap()
    };
    let before = TokenSigner::new(old(), issuer.clone(), api.clone());
    let client = ClientId::parse("app".into()).unwrap();
    let scope = Scope::parse("openid").unwrap();
    let (token, _) = before
        .mint_access_token("usr_1", &client, &scope, now())
        .unwrap();
    let rotated =
        TokenSigner::new(new(), issuer.clone(), api.clone()).with_previous_keys(vec![old()]);
    assert!(rotated.verify_access_token(token.expose_secret()).is_ok());
    let kids: Vec<_> = rotated
        .jwks()
        .keys
        .iter()
        .map(|k| k.common.key_id.clone().unwrap())
        .collect();
    assert_eq!(kids, [rotated.key().kid(), old().kid()]);
    let removed = TokenSigner::new(new(), issuer, api);
    assert!(removed.verify_access_token(token.expose_secret()).is_err());
}

#[test]
fn profile_claims_follow_the_scope() {
    let profile = Profile {
        name: Some("Ana".into()),
        email: Some("a@x".into()),
        email_verified: Some(true),
    };
    let released = profile.released_for(&Scope::parse("openid profile").unwrap());
    assert_eq!(released.name.as_deref(), Some("Ana"));
    assert!(released.email.is_none() && released.email_verified.is_none());
}

#[test]
fn every_algorithm_signs_tokens_that_verify_against_its_published_key() {
    for algorithm in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        let signer = signer_for(algorithm);
        let client = ClientId::parse("app".into()).unwrap();
        let scope = Scope::parse("openid").unwrap();
        let (access, _) = signer
            .mint_access_token("usr_1", &client, &scope, now())
            .unwrap();
        let token = access.expose_secret();
        assert!(signer.verify_access_token(token).is_ok(), "{algorithm:?}");
        let header = jsonwebtoken::decode_header(token).unwrap();
        assert_eq!(header.alg, algorithm);
        // Verified against the JWK a relying party would fetch, not our own key.
        let jwk = &signer.jwks().keys[0];
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(algorithm);
        validation.set_audience(&["https://auth.example/api/"]);
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).is_ok(),
            "{algorithm:?}"
        );
        let mut tampered = token.to_owned();
        tampered.insert(tampered.len() / 2, 'A');
        assert!(
            signer.verify_access_token(&tampered).is_err(),
            "{algorithm:?}"
        );
    }
}

#[test]
fn a_client_may_ask_for_rs256_id_tokens_while_access_tokens_stay_on_the_main_key() {
    let pem = SigningKey::generate_pem(Algorithm::RS256).unwrap();
    let rsa = SigningKey::from_pem(&pem, Algorithm::RS256, None).unwrap();
    let rsa_kid = rsa.kid().to_owned();
    let signer = signer_for(Algorithm::EdDSA).with_rs256_key(Some(rsa));
    assert_eq!(
        signer.id_token_algorithms(),
        [Algorithm::EdDSA, Algorithm::RS256]
    );
    assert_eq!(signer.jwks().keys.len(), 2);
    let client = ClientId::parse("app".into()).unwrap();
    let scope = Scope::parse("openid").unwrap();
    let profile = Profile::default();
    for (asked, signed) in [
        (None, Algorithm::EdDSA),
        (Some(Algorithm::EdDSA), Algorithm::EdDSA),
        (Some(Algorithm::RS256), Algorithm::RS256),
    ] {
        let request = id_request(&client, &profile, &scope, asked);
        let (id, _) = signer.mint_id_token(&request, now()).unwrap();
        let header = jsonwebtoken::decode_header(id.expose_secret()).unwrap();
        assert_eq!(header.alg, signed);
        assert_eq!(
            header.kid.as_deref() == Some(rsa_kid.as_str()),
            signed == Algorithm::RS256
        );
        assert!(signer.verify_id_token(id.expose_secret(), &client).is_ok());
    }
    // An algorithm the signer has no key for is a fault, never a silent fallback.
    let request = id_request(&client, &profile, &scope, Some(Algorithm::ES256));
    assert!(signer.mint_id_token(&request, now()).is_err());
    let (access, _) = signer
        .mint_access_token("usr_1", &client, &scope, now())
        .unwrap();
    let header = jsonwebtoken::decode_header(access.expose_secret()).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);

    // An RS256 main key needs no second key: one algorithm, one key.
    let pem = SigningKey::generate_pem(Algorithm::RS256).unwrap();
    let extra = SigningKey::from_pem(&pem, Algorithm::RS256, None).unwrap();
    let plain = signer_for(Algorithm::RS256).with_rs256_key(Some(extra));
    assert_eq!(plain.id_token_algorithms(), [Algorithm::RS256]);
    assert_eq!(plain.jwks().keys.len(), 1);
}
