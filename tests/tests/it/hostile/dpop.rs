//! Hostile DPoP proofs (RFC 9449 §4.3, §7.1, §11): a session of Ana's bound
//! to a key, and every proof a thief or a broken client could send with its
//! refresh token, its access token or a fresh code. Each one is refused
//! with its exact error, and nothing stored moves: the code stays unused,
//! the session keeps its token and its last proof.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use super::{Case, Expect, Fixture, Raw};
use crate::handlers::code_grant::{code_for, pkce, VERIFIER};
use crate::handlers::dpop::{exchanged, refresh, Holder, TOKEN_URL};
use crate::handlers::harness::{form, CALLBACK};

const PROOF: Expect = Expect::Json(400, "invalid_dpop_proof");
const AT_RESOURCE: Expect = Expect::Json(401, "invalid_dpop_proof");
const USERINFO: &str = "https://auth.example.com/userinfo";

fn refresh_with(token: &str, proofs: &[&str]) -> Raw {
    let body = form(&[
        ("grant_type", "refresh_token"),
        ("client_id", "web"),
        ("refresh_token", token),
    ]);
    proofs
        .iter()
        .fold(Raw::form("/oauth/token", body), |raw, p| {
            raw.header("dpop", p)
        })
}

fn userinfo(scheme: &str, access: &str, proof: Option<&str>) -> Raw {
    let raw = Raw::get("/userinfo").header("authorization", &format!("{scheme} {access}"));
    match proof {
        Some(proof) => raw.header("dpop", proof),
        None => raw,
    }
}

/// A proof with `alg: none` and no signature (RFC 8725 §2.1).
fn unsigned(holder: &Holder) -> String {
    let good = holder.proof("none");
    let mut parts = good.split('.');
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    let mut header = header;
    header["alg"] = json!("none");
    let claims = parts.next().unwrap();
    format!("{}.{claims}.", URL_SAFE_NO_PAD.encode(header.to_string()))
}

/// A proof MACed with HS256, the secret being the key's own public `x`:
/// the algorithm-confusion attack (RFC 8725 §2.1).
fn hmaced(holder: &Holder) -> String {
    let good = holder.proof("hs");
    let mut parts = good.split('.');
    let mut header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    let secret = header["jwk"]["x"].as_str().unwrap().to_owned();
    let mut hs = Header::new(Algorithm::HS256);
    hs.typ = Some("dpop+jwt".into());
    let token = encode(&hs, &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap();
    // Keep the jwk in the header, as the attacker would.
    header["alg"] = json!("HS256");
    let rest = token.split_once('.').unwrap().1;
    format!("{}.{rest}", URL_SAFE_NO_PAD.encode(header.to_string()))
}

/// Refresh-token cases: each a flawed proof with Ana's bound token.
fn refresh_cases(holder: &Holder, token: &str, used_jti: &str) -> Vec<Case> {
    let thief = Holder::new();
    let now = shared::domain::now();
    let post = ("POST", TOKEN_URL, None);
    let edit = |f: fn(&mut Value, &mut Value)| holder.crafted(post, f);
    let replayed = holder.crafted(post, |_, c| c["jti"] = json!(used_jti));
    let stale = holder.crafted(post, |_, c| c["iat"] = json!(now - 120));
    let future = holder.crafted(post, |_, c| c["iat"] = json!(now + 60));
    let with_private = holder.crafted(post, |h, _| h["jwk"]["d"] = json!("AAAA"));
    let no_nonce = holder.proof_with("POST", TOKEN_URL, "nn", None, None);
    let flawed = [
        ("another key", thief.proof("t1")),
        ("a replayed jti", replayed),
        (
            "htu of another endpoint",
            edit(|_, c| c["htu"] = json!("https://auth.example.com/delegation")),
        ),
        (
            "htu of another host",
            edit(|_, c| c["htu"] = json!("https://evil.example/oauth/token")),
        ),
        ("htm GET", edit(|_, c| c["htm"] = json!("GET"))),
        ("iat two minutes old", stale),
        ("iat a minute ahead", future),
        (
            "no iat",
            edit(|_, c| drop(c.as_object_mut().unwrap().remove("iat"))),
        ),
        (
            "no jti",
            edit(|_, c| drop(c.as_object_mut().unwrap().remove("jti"))),
        ),
        ("typ JWT", edit(|h, _| h["typ"] = json!("JWT"))),
        (
            "no jwk",
            edit(|h, _| drop(h.as_object_mut().unwrap().remove("jwk"))),
        ),
        ("a jwk with its private part", with_private),
        ("alg none", unsigned(holder)),
        ("HS256 keyed with the public key", hmaced(holder)),
        (
            "a header alg that is not the key's",
            edit(|h, _| h["alg"] = json!("EdDSA")),
        ),
        ("not a JWT", "not.a.proof".to_owned()),
        ("a 5 KB header", "e".repeat(5000)),
    ];
    let mut cases: Vec<Case> = flawed
        .into_iter()
        .map(|(name, proof)| {
            Case::new(
                format!("DPoP refresh: {name}"),
                refresh_with(token, &[&proof]),
                PROOF,
            )
        })
        .collect();
    let good = holder.proof("twice");
    cases.extend([
        Case::new(
            "DPoP refresh: a bound token without a proof",
            refresh_with(token, &[]),
            PROOF,
        ),
        Case::new(
            "DPoP refresh: two DPoP headers",
            refresh_with(token, &[&good, &good]),
            PROOF,
        ),
        Case::new(
            "DPoP refresh: a proof without the server's nonce",
            refresh_with(token, &[&no_nonce]),
            Expect::Json(400, "use_dpop_nonce"),
        ),
    ]);
    cases
}

/// Resource-route cases: Ana's bound access token with flawed proofs.
fn resource_cases(holder: &Holder, access: &str) -> Vec<Case> {
    let thief = Holder::new();
    let get = ("GET", USERINFO, Some(access));
    let other_token = holder.proof_for("GET", USERINFO, "o", Some("another.access.token"));
    let cases = [
        (
            "a bound token as Bearer",
            userinfo("Bearer", access, None),
            Expect::Json(401, "invalid_token"),
        ),
        (
            "a bound token without a proof",
            userinfo("DPoP", access, None),
            AT_RESOURCE,
        ),
        (
            "a proof without the token",
            Raw::get("/userinfo").header("dpop", &holder.proof_for("GET", USERINFO, "n", None)),
            Expect::Json(401, "invalid_token"),
        ),
        (
            "a proof without ath",
            userinfo(
                "DPoP",
                access,
                Some(&holder.proof_for("GET", USERINFO, "a", None)),
            ),
            AT_RESOURCE,
        ),
        (
            "ath of another token",
            userinfo("DPoP", access, Some(&other_token)),
            AT_RESOURCE,
        ),
        (
            "another key",
            userinfo(
                "DPoP",
                access,
                Some(&thief.proof_for("GET", USERINFO, "t", Some(access))),
            ),
            AT_RESOURCE,
        ),
        (
            "htm POST",
            userinfo(
                "DPoP",
                access,
                Some(&holder.crafted(get, |_, c| c["htm"] = json!("POST"))),
            ),
            AT_RESOURCE,
        ),
        (
            "htu of the token endpoint",
            userinfo(
                "DPoP",
                access,
                Some(&holder.crafted(get, |_, c| c["htu"] = json!(TOKEN_URL))),
            ),
            AT_RESOURCE,
        ),
        (
            "alg none",
            userinfo("DPoP", access, Some(&unsigned(holder))),
            AT_RESOURCE,
        ),
    ];
    cases
        .into_iter()
        .map(|(name, raw, expect)| Case::new(format!("DPoP /userinfo: {name}"), raw, expect))
        .collect()
}

/// Ana's session on her tablet, bound to `holder`'s key and refreshed once
/// (so its last proof's `jti` is on record), and a fresh code for the
/// client that requires DPoP; then every hostile case against them.
pub async fn cases(fixture: &Fixture) -> Vec<Case> {
    let harness = &fixture.harness;
    let holder = Holder::new();
    let body = exchanged(harness, Some(holder.proof("start"))).await;
    let first = body["refresh_token"].as_str().unwrap();
    let used = "used-once";
    let reply = refresh(harness, first, Some(holder.proof(used))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let tokens = reply.json();
    let token = tokens["refresh_token"].as_str().unwrap().to_owned();
    let access = tokens["access_token"].as_str().unwrap().to_owned();

    let mut cases = refresh_cases(&holder, &token, used);
    cases.extend(resource_cases(&holder, &access));

    let challenge = pkce();
    let code = code_for(
        harness,
        "dpop-app",
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await["code"]
        .clone();
    let exchange = |proof: Option<&str>| {
        let body = form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "dpop-app"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ]);
        let raw = Raw::form("/oauth/token", body);
        match proof {
            Some(proof) => raw.header("dpop", proof),
            None => raw,
        }
    };
    cases.extend([
        Case::new(
            "DPoP code: none where the client requires it",
            exchange(None),
            PROOF,
        ),
        Case::new(
            "DPoP code: alg none",
            exchange(Some(&unsigned(&holder))),
            PROOF,
        ),
        Case::new("DPoP code: HS256", exchange(Some(&hmaced(&holder))), PROOF),
        Case::new(
            "DPoP code: htm GET",
            exchange(Some(&holder.crafted(("POST", TOKEN_URL, None), |_, c| {
                c["htm"] = json!("GET")
            }))),
            PROOF,
        ),
    ]);
    cases
}
