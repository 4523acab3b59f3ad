//! JWS compact serialization (RFC 7515 §7.1) with the signing key parsed once,
//! at cold start. `jsonwebtoken::encode` parses the private key again for
//! every token (about 1 ms for RSA); this keeps the parsed key pair instead.
//! Verification stays with `jsonwebtoken`.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::Algorithm;
use serde::Serialize;

/// A private key, parsed, ready to sign.
pub enum JwsSigner {
    /// RS256: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    Rs256(RsaKeyPair),
    /// ES256: ECDSA P-256 with SHA-256 (RFC 7518 §3.4).
    Es256(EcdsaKeyPair),
    /// EdDSA with Ed25519 (RFC 8037 §3.1).
    EdDsa(Ed25519KeyPair),
}

/// Why a token could not be signed.
#[derive(Debug, thiserror::Error)]
#[error("the token could not be signed")]
pub struct SignError;

impl JwsSigner {
    /// Parses the DER `jsonwebtoken` holds for `algorithm`: PKCS#1 for RSA,
    /// PKCS#8 for P-256 and Ed25519. `None` when it is not such a key.
    pub fn from_der(algorithm: Algorithm, der: &[u8]) -> Option<Self> {
        match algorithm {
            Algorithm::RS256 => RsaKeyPair::from_der(der)
                .or_else(|_| RsaKeyPair::from_pkcs8(der))
                .ok()
                .map(Self::Rs256),
            Algorithm::ES256 => EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                .ok()
                .map(Self::Es256),
            Algorithm::EdDSA => Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                .ok()
                .map(Self::EdDsa),
            _ => None,
        }
    }

    /// The signature of `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let rng = SystemRandom::new();
        match self {
            Self::Rs256(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| SignError)?;
                Ok(signature)
            }
            Self::Es256(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SignError),
            Self::EdDsa(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }

    /// `BASE64URL(header) . BASE64URL(claims) . BASE64URL(signature)`.
    pub fn encode<H: Serialize, T: Serialize>(
        &self,
        header: &H,
        claims: &T,
    ) -> Result<String, SignError> {
        let part = |value: Vec<u8>| URL_SAFE_NO_PAD.encode(value);
        let header = serde_json::to_vec(header).map_err(|_| SignError)?;
        let claims = serde_json::to_vec(claims).map_err(|_| SignError)?;
        let message = format!("{}.{}", part(header), part(claims));
        let signature = self.sign(message.as_bytes())?;
        Ok(format!("{message}.{}", part(signature)))
    }
}
