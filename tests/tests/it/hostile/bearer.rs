//! JWT attacks on the bearer token of the management routes, and on the
//! id token that `/delegation` accepts (RFC 8725 §2 lists the attacks).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use shared::domain::now;

use super::{Case, Expect, Fixture, Raw};

const INVALID: Expect = Expect::Json(401, "invalid_token");
const LIST: &str = "/api/users/usr_ana/refresh_tokens";

/// Claims of a valid access token of Ana's, to be altered one at a time.
fn access_claims(fixture: &Fixture) -> Value {
    let now = now();
    json!({
        "iss": fixture.harness.services.authority.signer.issuer(),
        "sub": "usr_ana",
        "aud": "https://auth.example.com/api/",
        "scope": "openid offline_access",
        "client_id": "web",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    })
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Signs `claims` with our real key and the given `typ` and `kid`.
fn signed(fixture: &Fixture, claims: &Value, typ: &str, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some(typ.to_owned());
    header.kid = kid.map(str::to_owned);
    let key = EncodingKey::from_ec_pem(fixture.harness.key_pem.as_bytes()).unwrap();
    encode(&header, claims, &key).unwrap()
}

fn kid(fixture: &Fixture) -> String {
    fixture
        .harness
        .services
        .authority
        .signer
        .key()
        .kid()
        .to_owned()
}

fn ours(fixture: &Fixture, claims: &Value) -> String {
    signed(fixture, claims, "at+jwt", Some(&kid(fixture)))
}

fn with(claims: &Value, name: &str, value: Value) -> Value {
    let mut changed = claims.clone();
    changed[name] = value;
    changed
}

fn forged(fixture: &Fixture) -> Vec<(&'static str, String)> {
    let claims = access_claims(fixture);
    let kid = kid(fixture);
    let jwks = serde_json::to_string(&fixture.harness.services.authority.signer.jwks()).unwrap();
    let hs256 = {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("at+jwt".into());
        header.kid = Some(kid.clone());
        encode(&header, &claims, &EncodingKey::from_secret(jwks.as_bytes())).unwrap()
    };
    let other_key = {
        let pem = shared::keys::SigningKey::generate_pem(Algorithm::ES256).unwrap();
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("at+jwt".into());
        header.kid = Some(kid.clone());
        let key = EncodingKey::from_ec_pem(pem.expose_secret().as_bytes()).unwrap();
        encode(&header, &claims, &key).unwrap()
    };
    let valid = ours(fixture, &claims);
    let now = now();
    vec![
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "at+jwt", "kid": kid})),
                b64(&claims)
            ),
        ),
        ("alg none with our signature", {
            let signature = valid.rsplit('.').next().unwrap();
            format!(
                "{}.{}.{signature}",
                b64(&json!({"alg": "none", "typ": "at+jwt", "kid": kid})),
                b64(&claims)
            )
        }),
        ("HS256 keyed with the public JWKS", hs256),
        ("signed by another key under our kid", other_key),
        (
            "an unknown kid",
            signed(fixture, &claims, "at+jwt", Some("other-key")),
        ),
        ("no kid", signed(fixture, &claims, "at+jwt", None)),
        (
            "the id token's typ",
            signed(fixture, &claims, "JWT", Some(&kid)),
        ),
        (
            "expired",
            ours(
                fixture,
                &with(
                    &with(&claims, "exp", json!(now - 3600)),
                    "iat",
                    json!(now - 7200),
                ),
            ),
        ),
        (
            "not yet valid",
            ours(fixture, &with(&claims, "nbf", json!(now + 3600))),
        ),
        (
            "another issuer",
            ours(
                fixture,
                &with(&claims, "iss", json!("https://evil.example/")),
            ),
        ),
        (
            "another audience",
            ours(fixture, &with(&claims, "aud", json!("web"))),
        ),
        (
            "no audience",
            ours(fixture, &{
                let mut c = claims.clone();
                c.as_object_mut().unwrap().remove("aud");
                c
            }),
        ),
        (
            "no expiry",
            ours(fixture, &{
                let mut c = claims.clone();
                c.as_object_mut().unwrap().remove("exp");
                c
            }),
        ),
        ("truncated", valid[..valid.len() - 8].to_owned()),
        ("padded", format!("{valid}AAAA")),
        ("padded with =", format!("{valid}==")),
        ("a fourth segment", format!("{valid}.x")),
        ("its payload swapped for Bob's", {
            let parts: Vec<&str> = valid.split('.').collect();
            format!(
                "{}.{}.{}",
                parts[0],
                b64(&with(&claims, "sub", json!("usr_bob"))),
                parts[2]
            )
        }),
        ("an id token", fixture.ana["id_token"].clone()),
        ("a refresh token", fixture.ana["refresh_token"].clone()),
        ("not a JWT", "hello".to_owned()),
    ]
}

fn id_token_grant(id_token: &str, client_id: &str) -> Raw {
    let body = json!({
        "client_id": client_id,
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "id_token": id_token,
        "scope": "openid",
    });
    Raw::post("/delegation", "application/json", body.to_string())
}

fn forged_id_tokens(fixture: &Fixture) -> Vec<Case> {
    let now = now();
    let claims = json!({
        "iss": fixture.harness.services.authority.signer.issuer(),
        "sub": "usr_ana",
        "aud": "web",
        "iat": now,
        "exp": now + 600,
    });
    let kid = kid(fixture);
    let grant = Expect::Json(400, "invalid_grant");
    vec![
        Case::new(
            "id token: alg none",
            id_token_grant(
                &format!(
                    "{}.{}.",
                    b64(&json!({"alg": "none", "typ": "JWT", "kid": kid})),
                    b64(&claims)
                ),
                "web",
            ),
            grant,
        ),
        Case::new(
            "id token: expired",
            id_token_grant(
                &signed(
                    fixture,
                    &with(&claims, "exp", json!(now - 3600)),
                    "JWT",
                    Some(&kid),
                ),
                "web",
            ),
            grant,
        ),
        Case::new(
            "id token: another issuer",
            id_token_grant(
                &signed(
                    fixture,
                    &with(&claims, "iss", json!("https://evil.example/")),
                    "JWT",
                    Some(&kid),
                ),
                "web",
            ),
            grant,
        ),
        Case::new(
            "id token: an access token",
            id_token_grant(&fixture.ana["access_token"], "web"),
            grant,
        ),
        Case::new(
            "id token: of another client",
            id_token_grant(&fixture.ana["id_token"], "api-client"),
            grant,
        ),
        Case::new(
            "id token: truncated",
            id_token_grant(&fixture.ana["id_token"][..40], "web"),
            grant,
        ),
    ]
}

pub async fn cases(fixture: &Fixture) -> Vec<Case> {
    let mut cases = Vec::new();
    for (attack, token) in forged(fixture) {
        for route in [LIST, "/api/device-credentials?user_id=usr_ana"] {
            cases.push(Case::new(
                format!("bearer {attack} on {route}"),
                Raw::get(route).bearer(&token),
                INVALID,
            ));
        }
    }
    cases.push(Case::new(
        "another user's valid token",
        Raw::get(LIST).bearer(&fixture.bob["access_token"]),
        Expect::Json(403, "insufficient_scope"),
    ));
    cases.extend(forged_id_tokens(fixture));
    cases
}
