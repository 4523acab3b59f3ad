//! Proofs as a DPoP client makes them, and the hostile ones RFC 9449 §4.3
//! says to refuse.
use serde_json::{json, Value};

use super::*;
use crate::keys::SigningKey;

const URL: &str = "https://auth.example.com/oauth/token";
const NOW: u64 = 1_800_000_000;

fn new_key(algorithm: Algorithm) -> SigningKey {
    SigningKey::from_pem(
        &SigningKey::generate_pem(algorithm).unwrap(),
        algorithm,
        None,
    )
    .unwrap()
}

/// The header a client sends: typ, alg and its public jwk.
fn header(key: &SigningKey) -> Value {
    let mut jwk = serde_json::to_value(key.public_jwk()).unwrap();
    jwk.as_object_mut()
        .unwrap()
        .retain(|k, _| !["kid", "use", "alg"].contains(&k.as_str()));
    json!({"typ": "dpop+jwt", "alg": crate::keys::algorithm_name(key.algorithm()), "jwk": jwk})
}

fn claims() -> Value {
    json!({"jti": "proof-1", "htm": "POST", "htu": URL, "iat": NOW})
}

fn signed(key: &SigningKey, header: &Value, claims: &Value) -> String {
    key.signer().encode(header, claims).unwrap()
}

fn context() -> ProofContext<'static> {
    ProofContext {
        method: "POST",
        url: URL,
        access_token: None,
        nonce_key: None,
        now: NOW,
    }
}

#[test]
fn a_clients_proof_verifies_and_names_its_key() {
    for algorithm in [Algorithm::ES256, Algorithm::EdDSA] {
        let key = new_key(algorithm);
        let proof = signed(&key, &header(&key), &claims());
        let checked = verify(&proof, &context()).unwrap();
        assert_eq!(checked.jti, "proof-1");
        let expected = key.public_jwk().thumbprint(ThumbprintHash::SHA256).unwrap();
        assert_eq!(checked.jkt, expected, "RFC 7638 thumbprint");
        // The query and fragment of htu don't count (§4.3 step 9).
        let mut with_query = claims();
        with_query["htu"] = json!(format!("{URL}?x=1#y"));
        assert!(verify(&signed(&key, &header(&key), &with_query), &context()).is_ok());
    }
}

#[test]
fn every_hostile_proof_is_refused() {
    let key = new_key(Algorithm::ES256);
    let other = new_key(Algorithm::ES256);
    let with = |name: &str, value: Value| {
        let mut claims = claims();
        claims[name] = value;
        signed(&key, &header(&key), &claims)
    };
    let without = |name: &str| {
        let mut claims = claims();
        claims.as_object_mut().unwrap().remove(name);
        signed(&key, &header(&key), &claims)
    };
    let mut typ = header(&key);
    typ["typ"] = json!("JWT");
    let mut private = header(&key);
    private["jwk"]["d"] = json!("AAAA");
    let encoded = |value: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap());
    let mut none = header(&key);
    none["alg"] = json!("none");
    let mut hs256 = header(&key);
    hs256["alg"] = json!("HS256");
    let hmac_key = hmac::Key::new(hmac::HMAC_SHA256, b"the public jwk as a secret");
    let hs_message = format!("{}.{}", encoded(&hs256), encoded(&claims()));
    let hs_proof = format!(
        "{hs_message}.{}",
        URL_SAFE_NO_PAD.encode(hmac::sign(&hmac_key, hs_message.as_bytes()))
    );
    let cases: Vec<(&str, String)> = vec![
        (
            "signed by another key than its jwk",
            signed(&other, &header(&key), &claims()),
        ),
        ("typ JWT", signed(&key, &typ, &claims())),
        (
            "a private key in the jwk",
            signed(&key, &private, &claims()),
        ),
        (
            "no jwk",
            signed(&key, &json!({"typ": "dpop+jwt", "alg": "ES256"}), &claims()),
        ),
        (
            "alg none",
            format!("{}.{}.", encoded(&none), encoded(&claims())),
        ),
        ("HS256", hs_proof),
        ("another method", with("htm", json!("GET"))),
        (
            "another URL",
            with("htu", json!("https://auth.example.com/delegation")),
        ),
        (
            "another host",
            with("htu", json!("https://evil.example/oauth/token")),
        ),
        ("stale iat", with("iat", json!(NOW - MAX_AGE - 1))),
        ("future iat", with("iat", json!(NOW + MAX_SKEW + 1))),
        ("no iat", without("iat")),
        ("no jti", without("jti")),
        ("no htm", without("htm")),
        ("a tampered payload", {
            let proof = signed(&key, &header(&key), &claims());
            let parts: Vec<&str> = proof.split('.').collect();
            format!("{}.{}.{}", parts[0], encoded(&with_iat(NOW - 1)), parts[2])
        }),
        ("not a JWT", "not.a.jwt".into()),
        ("too long", "a".repeat(5000)),
    ];
    for (name, proof) in cases {
        assert!(
            matches!(verify(&proof, &context()), Err(ProofError::Invalid(_))),
            "{name} must be refused"
        );
    }
}

fn with_iat(iat: u64) -> Value {
    let mut claims = claims();
    claims["iat"] = json!(iat);
    claims
}

#[test]
fn with_an_access_token_ath_must_be_its_hash() {
    let key = new_key(Algorithm::EdDSA);
    let token = "an.access.token";
    let ath = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, token.as_bytes()));
    let context = ProofContext {
        access_token: Some(token),
        method: "GET",
        url: "https://auth.example.com/userinfo",
        ..context()
    };
    let proof = |ath: Option<&str>| {
        let mut claims = json!({"jti": "p", "htm": "GET", "htu": context.url, "iat": NOW});
        if let Some(ath) = ath {
            claims["ath"] = json!(ath);
        }
        signed(&key, &header(&key), &claims)
    };
    assert!(verify(&proof(Some(&ath)), &context).is_ok());
    assert!(verify(&proof(None), &context).is_err());
    assert!(verify(&proof(Some("AAAA")), &context).is_err());
}

#[test]
fn server_nonces_are_stateless_and_expire_after_two_windows() {
    let nonce_key = hmac::Key::new(hmac::HMAC_SHA256, b"nonce key");
    let key = new_key(Algorithm::ES256);
    let context = ProofContext {
        nonce_key: Some(&nonce_key),
        ..context()
    };
    let with_nonce = |nonce: Option<String>| {
        let mut claims = claims();
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        signed(&key, &header(&key), &claims)
    };
    assert_eq!(
        verify(&with_nonce(None), &context),
        Err(ProofError::UseNonce)
    );
    assert!(verify(&with_nonce(Some(nonce(&nonce_key, NOW))), &context).is_ok());
    let previous = nonce(&nonce_key, NOW - NONCE_WINDOW);
    assert!(verify(&with_nonce(Some(previous)), &context).is_ok());
    let old = nonce(&nonce_key, NOW - 2 * NONCE_WINDOW);
    assert_eq!(
        verify(&with_nonce(Some(old)), &context),
        Err(ProofError::UseNonce)
    );
    let other = hmac::Key::new(hmac::HMAC_SHA256, b"another server");
    let forged = nonce(&other, NOW);
    assert_eq!(
        verify(&with_nonce(Some(forged)), &context),
        Err(ProofError::UseNonce)
    );
}
