//! DPoP at the token endpoint (RFC 9449): a code exchanged with a proof
//! starts a session bound to the proof's key; its access tokens carry
//! `cnf.jkt` and `token_type: DPoP`; every refresh needs a fresh proof by
//! that key, and a refused one changes nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::ThumbprintHash;
use serde_json::{json, Value};
use shared::keys::{algorithm_name, Algorithm, SigningKey};

use super::code_grant::{code_for, pkce, VERIFIER};
use super::delegation::claims;
use super::harness::{form, send, Call, Gateway, Harness, Reply, CALLBACK};

pub const TOKEN_URL: &str = "https://auth.example.com/oauth/token";

pub struct Holder {
    key: SigningKey,
}

impl Holder {
    pub fn new() -> Self {
        let pem = SigningKey::generate_pem(Algorithm::ES256).unwrap();
        Self {
            key: SigningKey::from_pem(&pem, Algorithm::ES256, None).unwrap(),
        }
    }

    pub fn jkt(&self) -> String {
        self.key
            .public_jwk()
            .thumbprint(ThumbprintHash::SHA256)
            .unwrap()
    }

    /// A proof for `POST /oauth/token` with `jti`.
    pub fn proof(&self, jti: &str) -> String {
        self.proof_for("POST", TOKEN_URL, jti, None)
    }

    /// A proof for `method` on `url`, with `ath` for `access_token`, and
    /// the server's current nonce (as a client keeps it from `DPoP-Nonce`).
    pub fn proof_for(
        &self,
        method: &str,
        url: &str,
        jti: &str,
        access_token: Option<&str>,
    ) -> String {
        let nonce = current_nonce();
        self.proof_with(method, url, jti, access_token, Some(&nonce))
    }

    /// A proof for `method` on `url`, with `ath` for `access_token` and `nonce`.
    pub fn proof_with(
        &self,
        method: &str,
        url: &str,
        jti: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> String {
        let mut jwk = serde_json::to_value(self.key.public_jwk()).unwrap();
        jwk.as_object_mut()
            .unwrap()
            .retain(|k, _| !["kid", "use", "alg"].contains(&k.as_str()));
        let alg = algorithm_name(self.key.algorithm());
        let header = json!({"typ": "dpop+jwt", "alg": alg, "jwk": jwk});
        let now = shared::domain::now();
        let mut claims = json!({"jti": jti, "htm": method, "htu": url, "iat": now});
        if let Some(token) = access_token {
            // ath is BASE64URL(SHA-256(token)), the same transform as PKCE's S256.
            claims["ath"] = json!(shared::domain::pkce::challenge_of(token));
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        self.key.signer().encode(&header, &claims).unwrap()
    }

    /// A proof for `method` on `url` (with `ath` for `access_token` and the
    /// current nonce) whose header and claims `edit` changes before it is
    /// signed by this key.
    pub fn crafted(
        &self,
        (method, url, access_token): (&str, &str, Option<&str>),
        edit: impl FnOnce(&mut Value, &mut Value),
    ) -> String {
        let good = self.proof_for(method, url, "crafted", access_token);
        let mut parts = good.split('.').map(|part| {
            serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
        });
        let (mut header, mut claims) = (parts.next().unwrap(), parts.next().unwrap());
        edit(&mut header, &mut claims);
        self.key.signer().encode(&header, &claims).unwrap()
    }
}

/// The nonce the harness's server gives now (its refresh-token keys are
/// the tests' own).
pub fn current_nonce() -> String {
    let keys = crate::helpers::refresh_keys();
    shared::domain::dpop::nonce(keys.dpop_nonce_key().unwrap(), shared::domain::now())
}

pub async fn token(harness: &Harness, fields: &[(&str, &str)], proof: Option<String>) -> Reply {
    let mut call = Call::post(
        "/oauth/token",
        "application/x-www-form-urlencoded",
        &form(fields),
    );
    if let Some(proof) = proof {
        call = call.header("dpop", &proof);
    }
    send(&harness.delegation(), Gateway::HttpApi, &call).await
}

pub async fn refresh(harness: &Harness, token_value: &str, proof: Option<String>) -> Reply {
    let fields = [
        ("grant_type", "refresh_token"),
        ("client_id", "web"),
        ("refresh_token", token_value),
    ];
    token(harness, &fields, proof).await
}

/// A code exchange for the web client, with `proof` if given.
pub async fn exchanged(harness: &Harness, proof: Option<String>) -> Value {
    let reply = exchange_as(harness, "web", proof).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// A code exchange for `client`, with `proof` if given.
pub async fn exchange_as(harness: &Harness, client: &str, proof: Option<String>) -> Reply {
    exchange_keeping_code(harness, client, proof).await.0
}

/// A code exchange for `client`, with `proof` if given; the answer and the code.
pub async fn exchange_keeping_code(
    harness: &Harness,
    client: &str,
    proof: Option<String>,
) -> (Reply, String) {
    let challenge = pkce();
    let params = code_for(
        harness,
        client,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let code = params["code"].clone();
    (redeem(harness, client, &code, proof).await, code)
}

/// Redeems `code` (made with the PKCE verifier of `pkce()`) for `client`.
pub async fn redeem(harness: &Harness, client: &str, code: &str, proof: Option<String>) -> Reply {
    let fields = [
        ("grant_type", "authorization_code"),
        ("client_id", client),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    token(harness, &fields, proof).await
}

#[tokio::test]
async fn a_session_started_with_a_proof_refreshes_only_with_fresh_proofs_by_its_key() {
    let harness = Harness::new().await;
    let holder = Holder::new();
    let body = exchanged(&harness, Some(holder.proof("p0"))).await;
    assert_eq!(body["token_type"], "DPoP");
    let access = claims(body["access_token"].as_str().unwrap());
    assert_eq!(access["cnf"]["jkt"], json!(holder.jkt()), "RFC 9449 §6.1");
    let current = body["refresh_token"].as_str().unwrap().to_owned();

    let thief = Holder::new();
    for (name, proof) in [
        ("no proof", None),
        ("another key", Some(thief.proof("t1"))),
        ("not a proof", Some("not.a.proof".to_owned())),
    ] {
        let reply = refresh(&harness, &current, proof).await;
        assert_eq!(reply.status, 400, "{name}: {}", reply.body);
        assert_eq!(reply.json()["error"], "invalid_dpop_proof", "{name}");
    }
    // The refusals changed nothing: the holder's proof still works.
    let reply = refresh(&harness, &current, Some(holder.proof("p1"))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["token_type"], "DPoP");
    let next = reply.json()["refresh_token"].as_str().unwrap().to_owned();
    // A proof is used once.
    let replayed = refresh(&harness, &next, Some(holder.proof("p1"))).await;
    assert_eq!(replayed.status, 400, "{}", replayed.body);
    assert!(
        refresh(&harness, &next, Some(holder.proof("p2")))
            .await
            .status
            == 200
    );
}

#[tokio::test]
async fn without_a_proof_nothing_is_bound() {
    let harness = Harness::new().await;
    let body = exchanged(&harness, None).await;
    assert_eq!(body["token_type"], "Bearer");
    assert!(claims(body["access_token"].as_str().unwrap())
        .get("cnf")
        .is_none());
    let current = body["refresh_token"].as_str().unwrap().to_owned();
    // A proof on a refresh binds that access token, not the session.
    let holder = Holder::new();
    let reply = refresh(&harness, &current, Some(holder.proof("p1"))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["token_type"], "DPoP");
    let next = reply.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(refresh(&harness, &next, None).await.status, 200);
}

#[tokio::test]
async fn a_bound_access_token_works_only_with_the_dpop_scheme_and_a_proof_by_its_key() {
    let harness = Harness::new().await;
    let holder = Holder::new();
    let body = exchanged(&harness, Some(holder.proof("p0"))).await;
    let access = body["access_token"].as_str().unwrap().to_owned();
    const USERINFO: &str = "https://auth.example.com/userinfo";
    let userinfo = |scheme: &str, proof: Option<String>| {
        let mut call =
            Call::get("/userinfo", "").header("authorization", &format!("{scheme} {access}"));
        if let Some(proof) = proof {
            call = call.header("dpop", &proof);
        }
        call
    };
    let thief = Holder::new();
    for (name, call) in [
        ("Bearer", userinfo("Bearer", None)),
        ("DPoP without a proof", userinfo("DPoP", None)),
        (
            "another key",
            userinfo(
                "DPoP",
                Some(thief.proof_for("GET", USERINFO, "t", Some(&access))),
            ),
        ),
        (
            "no ath",
            userinfo("DPoP", Some(holder.proof_for("GET", USERINFO, "a", None))),
        ),
        (
            "another URL",
            userinfo(
                "DPoP",
                Some(holder.proof_for("GET", TOKEN_URL, "b", Some(&access))),
            ),
        ),
        (
            "another method",
            userinfo(
                "DPoP",
                Some(holder.proof_for("POST", USERINFO, "c", Some(&access))),
            ),
        ),
    ] {
        let reply = send(&harness.revoke(), Gateway::HttpApi, &call).await;
        assert_eq!(reply.status, 401, "{name}: {}", reply.body);
    }
    let proof = holder.proof_for("GET", USERINFO, "d", Some(&access));
    let reply = send(
        &harness.revoke(),
        Gateway::HttpApi,
        &userinfo("DPoP", Some(proof)),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["sub"], "usr_ana");

    // An unbound token is refused under the DPoP scheme.
    let plain = exchanged(&harness, None).await;
    let token = plain["access_token"].as_str().unwrap();
    let proof = holder.proof_for("GET", USERINFO, "e", Some(token));
    let call = Call::get("/userinfo", "")
        .header("authorization", &format!("DPoP {token}"))
        .header("dpop", &proof);
    assert_eq!(
        send(&harness.revoke(), Gateway::HttpApi, &call)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn a_client_that_requires_dpop_gets_nothing_without_a_proof_and_discovery_lists_the_algorithms(
) {
    let harness = Harness::new().await;
    let refused = exchange_as(&harness, "dpop-app", None).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.json()["error"], "invalid_dpop_proof");
    let holder = Holder::new();
    let bound = exchange_as(&harness, "dpop-app", Some(holder.proof("p0"))).await;
    assert_eq!(bound.status, 200, "{}", bound.body);
    assert_eq!(bound.json()["token_type"], "DPoP");
    let meta = send(
        &harness.authorize(),
        Gateway::HttpApi,
        &Call::get("/.well-known/openid-configuration", ""),
    )
    .await
    .json();
    assert_eq!(
        meta["dpop_signing_alg_values_supported"],
        json!(["ES256", "EdDSA"])
    );
}
