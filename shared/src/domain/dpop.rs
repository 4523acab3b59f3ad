//! DPoP proofs (RFC 9449): checking that a request carries a fresh proof of
//! possession of a private key, and which key (its RFC 7638 thumbprint,
//! `jkt`). Server nonces (§8) are stateless: an HMAC of the time window.
//! The replay check (`jti`) belongs to the store write that uses the proof.

use aws_lc_rs::{digest, hmac};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// The algorithms a proof may use (RFC 9449 §5: asymmetric only).
pub const PROOF_ALGORITHMS: [&str; 2] = ["ES256", "EdDSA"];
/// How old a proof's `iat` may be, in seconds.
pub const MAX_AGE: u64 = 60;
/// How far in the future a proof's `iat` may be (clock skew), in seconds.
pub const MAX_SKEW: u64 = 5;
/// How long a server nonce is issued for, in seconds; the previous
/// window's nonce is still accepted.
pub const NONCE_WINDOW: u64 = 300;
/// The longest proof we look at.
const MAX_PROOF_LEN: usize = 4096;

/// What the proof must match: the request it came with.
#[derive(Debug, Clone, Copy)]
pub struct ProofContext<'a> {
    /// The HTTP method (`htm`).
    pub method: &'a str,
    /// The request's URL without query or fragment (`htu`).
    pub url: &'a str,
    /// The access token presented with it, whose hash `ath` must carry.
    pub access_token: Option<&'a str>,
    /// The key of the server's nonces, when the server asks for one.
    pub nonce_key: Option<&'a hmac::Key>,
    /// Now, in seconds since the epoch.
    pub now: u64,
}

/// A proof that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The key's RFC 7638 SHA-256 thumbprint, base64url.
    pub jkt: String,
    /// The proof's unique id, for the replay check.
    pub jti: String,
}

/// Why a proof was refused (RFC 9449 §7.1: `invalid_dpop_proof`, or
/// `use_dpop_nonce` when only the nonce is missing or stale).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The proof is not acceptable; the text says which check failed.
    #[error("invalid DPoP proof: {0}")]
    Invalid(&'static str),
    /// The proof needs the server's current nonce.
    #[error("the DPoP proof needs the server's nonce")]
    UseNonce,
}

#[derive(Deserialize)]
struct Claims {
    jti: Option<String>,
    htm: Option<String>,
    htu: Option<String>,
    iat: Option<u64>,
    ath: Option<String>,
    nonce: Option<String>,
}

/// Checks `proof` against the request (RFC 9449 §4.3, steps 2 to 12).
pub fn verify(proof: &str, context: &ProofContext<'_>) -> Result<Proof, ProofError> {
    let invalid = ProofError::Invalid;
    if proof.len() > MAX_PROOF_LEN {
        return Err(invalid("too long"));
    }
    let jwk = public_jwk(proof)?;
    let header = decode_header(proof).map_err(|_| invalid("not a JWT"))?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err(invalid("typ must be dpop+jwt"));
    }
    if !matches!(header.alg, Algorithm::ES256 | Algorithm::EdDSA) {
        return Err(invalid("alg must be ES256 or EdDSA"));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| invalid("unusable jwk"))?;
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims::<&str>(&[]);
    let claims = decode::<Claims>(proof, &key, &validation)
        .map_err(|_| invalid("the signature does not verify with its jwk"))?
        .claims;
    check_claims(&claims, context)?;
    let jkt = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| invalid("unusable jwk"))?;
    Ok(Proof {
        jkt,
        jti: claims.jti.unwrap_or_default(),
    })
}

/// The header's `jwk`: a public key of a proof algorithm, with no private
/// part (§4.3 step 7), read from the raw header so nothing is dropped.
fn public_jwk(proof: &str) -> Result<Jwk, ProofError> {
    let invalid = ProofError::Invalid;
    let header = proof.split('.').next().unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| invalid("not a JWT"))?;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| invalid("not a JWT"))?;
    let jwk = header.get("jwk").ok_or(invalid("no jwk in the header"))?;
    let private = ["d", "p", "q", "dp", "dq", "qi", "k"];
    if private.iter().any(|name| jwk.get(name).is_some()) {
        return Err(invalid("the jwk holds a private key"));
    }
    serde_json::from_value(jwk.clone()).map_err(|_| invalid("unusable jwk"))
}

fn check_claims(claims: &Claims, context: &ProofContext<'_>) -> Result<(), ProofError> {
    let invalid = ProofError::Invalid;
    let jti = claims.jti.as_deref().unwrap_or_default();
    if jti.is_empty() || jti.len() > 128 {
        return Err(invalid("jti is missing or too long"));
    }
    if claims.htm.as_deref() != Some(context.method) {
        return Err(invalid("htm is not this request's method"));
    }
    if claims.htu.as_deref().map(without_query) != Some(context.url) {
        return Err(invalid("htu is not this request's URL"));
    }
    let iat = claims.iat.ok_or(invalid("iat is missing"))?;
    if iat > context.now.saturating_add(MAX_SKEW) || iat.saturating_add(MAX_AGE) < context.now {
        return Err(invalid("iat is too old or in the future"));
    }
    if let Some(token) = context.access_token {
        let expected = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, token.as_bytes()));
        if claims.ath.as_deref() != Some(expected.as_str()) {
            return Err(invalid("ath is not the hash of the access token"));
        }
    }
    if let Some(key) = context.nonce_key {
        let fresh = claims
            .nonce
            .as_deref()
            .is_some_and(|nonce| nonce_is_current(key, nonce, context.now));
        if !fresh {
            return Err(ProofError::UseNonce);
        }
    }
    Ok(())
}

/// `htu` compares without query and fragment (RFC 9449 §4.3 step 9).
fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

/// The server's nonce for the window `now` falls in (§8).
pub fn nonce(key: &hmac::Key, now: u64) -> String {
    nonce_of_window(key, now / NONCE_WINDOW)
}

fn nonce_of_window(key: &hmac::Key, window: u64) -> String {
    URL_SAFE_NO_PAD.encode(hmac::sign(key, &window.to_be_bytes()))
}

/// Whether `nonce` is this window's or the previous one's.
fn nonce_is_current(key: &hmac::Key, nonce: &str, now: u64) -> bool {
    let window = now / NONCE_WINDOW;
    [window, window.saturating_sub(1)].into_iter().any(|w| {
        crate::secret::constant_time_eq(nonce_of_window(key, w).as_bytes(), nonce.as_bytes())
    })
}

#[cfg(test)]
mod tests;
