//! ES256 by default, RS256 always available (OpenID Connect Discovery 1.0
//! §3): a client's `id_token_signed_response_alg` picks the id tokens'
//! algorithm; access tokens stay on the main key; discovery and the JWKS
//! list every key that signs.

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use super::delegation::delegate_json;
use super::harness::{send, Call, Gateway, Harness};

async fn jwks(harness: &Harness) -> Vec<Value> {
    let reply = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/.well-known/jwks.json", ""),
    )
    .await;
    reply.json()["keys"].as_array().unwrap().clone()
}

/// Verifies `token` as a relying party would: the JWKS key its `kid` names.
fn verify(keys: &[Value], token: &str, audience: &str) -> Algorithm {
    let header = decode_header(token).unwrap();
    let jwk = keys
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("the kid is in the JWKS");
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
    let key = DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[audience]);
    decode::<Value>(token, &key, &validation).expect("verifies against the JWKS");
    header.alg
}

#[tokio::test]
async fn discovery_and_the_jwks_list_es256_and_rs256() {
    let harness = Harness::new().await;
    let meta = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/.well-known/openid-configuration", ""),
    )
    .await
    .json();
    assert_eq!(
        meta["id_token_signing_alg_values_supported"],
        json!(["ES256", "RS256"])
    );
    let algs: Vec<Value> = jwks(&harness)
        .await
        .iter()
        .map(|k| k["alg"].clone())
        .collect();
    assert_eq!(algs, [json!("ES256"), json!("RS256")]);
}

#[tokio::test]
async fn a_client_that_asks_for_rs256_gets_rs256_id_tokens_and_es256_access_tokens() {
    let harness = Harness::new().await;
    let keys = jwks(&harness).await;
    let api = "https://auth.example.com/api/";

    let rsa = harness
        .tokens_of_client("rsa-app", "ana@example.com", "phone")
        .await;
    assert_eq!(verify(&keys, &rsa["id_token"], "rsa-app"), Algorithm::RS256);
    assert_eq!(verify(&keys, &rsa["access_token"], api), Algorithm::ES256);

    let web = harness.tokens_for("ana@example.com", "phone").await;
    assert_eq!(verify(&keys, &web["id_token"], "web"), Algorithm::ES256);

    // The classic /delegation mints for the client's algorithm too, and our
    // own endpoints accept the RS256 id token it gave (the id-token grant).
    let body = json!({"client_id": "rsa-app", "api_type": "app", "refresh_token": rsa["refresh_token"],
                      "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"});
    let reply = delegate_json(&harness, Gateway::HttpApi, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let delegated = reply.json()["id_token"].as_str().unwrap().to_owned();
    assert_eq!(verify(&keys, &delegated, "rsa-app"), Algorithm::RS256);
    let body = json!({"client_id": "rsa-app", "api_type": "app", "id_token": delegated,
                      "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"});
    let reply = delegate_json(&harness, Gateway::HttpApi, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}
