//! DPoP server nonces at the token endpoint (RFC 9449 §8), the `DPoP`
//! challenge at the resource routes (§7.1), `cnf` in introspection (§6.2),
//! and the setting the README recommends for public clients that can keep
//! a key (DPoP required, no rotation). Each refusal leaves the code or
//! refresh token usable.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use super::dpop::{current_nonce, exchange_as, refresh, token, Holder, TOKEN_URL};
use super::harness::{form, send, Call, Gateway, Harness, Reply};

const USERINFO: &str = "https://auth.example.com/userinfo";

fn use_nonce(reply: &Reply) -> String {
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json()["error"], "use_dpop_nonce", "RFC 9449 §8");
    reply
        .header("dpop-nonce")
        .expect("a use_dpop_nonce answer carries DPoP-Nonce")
        .to_owned()
}

#[tokio::test]
async fn a_proof_without_the_servers_nonce_is_answered_with_the_nonce_and_changes_nothing() {
    let harness = Harness::new().await;
    let holder = Holder::new();
    let no_nonce = holder.proof_with("POST", TOKEN_URL, "p0", None, None);
    let (reply, code) = super::dpop::exchange_keeping_code(&harness, "web", Some(no_nonce)).await;
    let nonce = use_nonce(&reply);
    assert_eq!(nonce, current_nonce());

    // The refusal did not use the code: the retry with the nonce works,
    // and the success answer offers the nonce again (§8.2).
    let proof = holder.proof_with("POST", TOKEN_URL, "p1", None, Some(&nonce));
    let reply = super::dpop::redeem(&harness, "web", &code, Some(proof)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("dpop-nonce"), Some(nonce.as_str()));
    let current = reply.json()["refresh_token"].as_str().unwrap().to_owned();

    // A bound refresh without the nonce, with another server's nonce, or
    // with a stale one is refused; the token still refreshes afterwards.
    let stale = {
        let keys = crate::helpers::refresh_keys();
        let then = shared::domain::now() - 2 * shared::domain::dpop::NONCE_WINDOW;
        shared::domain::dpop::nonce(keys.dpop_nonce_key().unwrap(), then)
    };
    for (jti, nonce) in [("r0", None), ("r1", Some("made-up")), ("r2", Some(&*stale))] {
        let proof = holder.proof_with("POST", TOKEN_URL, jti, None, nonce);
        use_nonce(&refresh(&harness, &current, Some(proof)).await);
    }
    let reply = refresh(&harness, &current, Some(holder.proof("r3"))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn with_dpop_nonce_off_a_proof_needs_no_nonce() {
    let harness = Harness::with_vars(&[("DPOP_NONCE", "off")]).await;
    let holder = Holder::new();
    let proof = holder.proof_with("POST", TOKEN_URL, "p0", None, None);
    let reply = exchange_as(&harness, "web", Some(proof)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["token_type"], "DPoP");
    assert_eq!(reply.header("dpop-nonce"), None);
}

fn userinfo(scheme: &str, access: &str, proof: Option<String>) -> Call {
    let mut call =
        Call::get("/userinfo", "").header("authorization", &format!("{scheme} {access}"));
    if let Some(proof) = proof {
        call = call.header("dpop", &proof);
    }
    call
}

fn challenges(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn resource_routes_answer_a_dpop_request_with_the_dpop_challenge() {
    let harness = Harness::new().await;
    let revoke = harness.revoke();
    let holder = Holder::new();
    let body = super::dpop::exchanged(&harness, Some(holder.proof("p0"))).await;
    let access = body["access_token"].as_str().unwrap().to_owned();

    // No token: both schemes are offered, DPoP with its algorithms.
    let reply = send(&revoke, Gateway::HttpApi, &Call::get("/userinfo", "")).await;
    assert_eq!(reply.status, 401);
    let offered = challenges(&reply);
    assert!(
        offered.iter().any(|c| c.starts_with("Bearer ")),
        "{offered:?}"
    );
    assert!(
        offered
            .iter()
            .any(|c| c.starts_with("DPoP ") && c.contains("algs=\"ES256 EdDSA\"")),
        "{offered:?}"
    );

    let thief = Holder::new();
    let cases = [
        (
            "bound token as Bearer",
            userinfo("Bearer", &access, None),
            "invalid_token",
        ),
        (
            "no proof",
            userinfo("DPoP", &access, None),
            "invalid_dpop_proof",
        ),
        (
            "another key",
            userinfo(
                "DPoP",
                &access,
                Some(thief.proof_for("GET", USERINFO, "t", Some(&access))),
            ),
            "invalid_dpop_proof",
        ),
        (
            "a forged token",
            userinfo(
                "DPoP",
                "not.a.token",
                Some(holder.proof_for("GET", USERINFO, "f", Some("not.a.token"))),
            ),
            "invalid_token",
        ),
    ];
    for (name, call, error) in cases {
        let reply = send(&revoke, Gateway::HttpApi, &call).await;
        assert_eq!(reply.status, 401, "{name}: {}", reply.body);
        assert_eq!(reply.json()["error"], error, "{name}");
        let challenge = challenges(&reply).join(" | ");
        assert!(
            challenge.starts_with("DPoP ") && challenge.contains(&format!("error=\"{error}\"")),
            "{name}: {challenge}"
        );
    }

    // A missing scope on a bound token: 403 with the DPoP challenge.
    let url = "https://auth.example.com/api/users";
    let proof = holder.proof_for("POST", url, "s", Some(&access));
    let call = Call::post(
        "/api/users",
        "application/json",
        r#"{"email":"x@example.com","password":"long enough password"}"#,
    )
    .header("authorization", &format!("DPoP {access}"))
    .header("dpop", &proof);
    let reply = send(&revoke, Gateway::HttpApi, &call).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let challenge = challenges(&reply).join(" | ");
    assert!(
        challenge.starts_with("DPoP ") && challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn introspection_names_the_key_of_bound_tokens() {
    let harness = Harness::new().await;
    let holder = Holder::new();
    let introspect = |token: &str| {
        let auth = format!("Basic {}", STANDARD.encode("confidential-app:app-secret"));
        Call::post(
            "/oauth/introspect",
            "application/x-www-form-urlencoded",
            &form(&[("token", token)]),
        )
        .header("authorization", &auth)
    };
    let revoke = harness.revoke();
    // One device, one session: the unbound exchange below replaces the
    // bound one, so the bound tokens are looked at first.
    let body = super::dpop::exchanged(&harness, Some(holder.proof("p0"))).await;
    let cnf = json!({"jkt": holder.jkt()});
    for name in ["access_token", "refresh_token"] {
        let token = body[name].as_str().unwrap();
        let bound = send(&revoke, Gateway::HttpApi, &introspect(token))
            .await
            .json();
        assert_eq!(
            (&bound["active"], &bound["cnf"]),
            (&json!(true), &cnf),
            "{name}"
        );
        if name == "access_token" {
            assert_eq!(bound["token_type"], "DPoP", "RFC 9449 §6.2");
        }
    }
    let plain = super::dpop::exchanged(&harness, None).await;
    for name in ["access_token", "refresh_token"] {
        let token = plain[name].as_str().unwrap();
        let unbound = send(&revoke, Gateway::HttpApi, &introspect(token))
            .await
            .json();
        assert_eq!(unbound["active"], true, "{name}");
        assert!(unbound.get("cnf").is_none(), "{name}: {unbound}");
    }
}

#[tokio::test]
async fn a_bound_session_without_rotation_keeps_one_token_that_only_its_key_can_use() {
    let harness = Harness::new().await;
    let holder = Holder::new();
    let reply = exchange_as(&harness, "dpop-keeper", Some(holder.proof("p0"))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let issued = reply.json()["refresh_token"].as_str().unwrap().to_owned();
    let grant = |proof: Option<String>| {
        let issued = issued.clone();
        let harness = &harness;
        async move {
            let fields = [
                ("grant_type", "refresh_token"),
                ("client_id", "dpop-keeper"),
                ("refresh_token", issued.as_str()),
            ];
            token(harness, &fields, proof).await
        }
    };
    // The same token, refreshed again and again by its key: no rotation,
    // so no race between two requests of the device to lose.
    for jti in ["r1", "r2", "r3"] {
        let reply = grant(Some(holder.proof(jti))).await;
        assert_eq!(reply.status, 200, "{jti}: {}", reply.body);
        assert!(
            reply.json().get("refresh_token").is_none(),
            "{}",
            reply.body
        );
    }
    // A thief with the token, with or without a key of its own, gets nothing,
    // and the device goes on.
    let thief = Holder::new();
    for proof in [None, Some(thief.proof("t1"))] {
        let reply = grant(proof).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(reply.json()["error"], "invalid_dpop_proof");
    }
    assert_eq!(grant(Some(holder.proof("r4"))).await.status, 200);
}
