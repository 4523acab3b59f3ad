//! The signing key: parsed once at cold start into the forms every request
//! needs (encoding key, decoding key, JWK), and the secrets derived from it.

use aws_lc_rs::hmac;
use jsonwebtoken::jwk::{Jwk, KeyAlgorithm, PublicKeyUse, ThumbprintHash};
pub use jsonwebtoken::Algorithm;
use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::jws::JwsSigner;
use crate::secret::PrivateKeyPem;

/// Why a signing key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The algorithm is not one we sign with.
    #[error("signing algorithm {0} is not supported (use ES256, EdDSA or RS256)")]
    UnsupportedAlgorithm(String),
    /// The PEM does not hold a private key of the algorithm's type.
    #[error("signing key is not a valid {0} private key in PEM form")]
    InvalidKey(&'static str),
    /// Key generation failed.
    #[error("could not generate a signing key")]
    Generate,
}

/// The JWS `alg` name of an algorithm (RFC 7518 §3.1, RFC 8037 §3.1), as it
/// appears in JWT headers and discovery.
pub fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::ES256 => "ES256",
        Algorithm::EdDSA => "EdDSA",
        Algorithm::RS256 => "RS256",
        // Keys are only ever loaded for the three above (`from_pem`).
        _ => "unsupported",
    }
}

/// Parses `RS256`, `ES256` or `EdDSA` (Ed25519).
pub fn parse_algorithm(name: &str) -> Result<Algorithm, KeyError> {
    match name {
        "RS256" => Ok(Algorithm::RS256),
        "ES256" => Ok(Algorithm::ES256),
        "EdDSA" => Ok(Algorithm::EdDSA),
        other => Err(KeyError::UnsupportedAlgorithm(
            other.chars().take(16).collect(),
        )),
    }
}

/// The service's signing key in every form a request needs.
pub struct SigningKey {
    kid: String,
    algorithm: Algorithm,
    signer: JwsSigner,
    decoding: DecodingKey,
    public_jwk: Jwk,
    form_key: hmac::Key,
    rotation_key: hmac::Key,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Loads a PEM private key (PKCS#1 or PKCS#8 for RSA, PKCS#8 for P-256 and Ed25519).
    /// `kid` defaults to the key's RFC 7638 thumbprint.
    pub fn from_pem(
        pem: &PrivateKeyPem,
        algorithm: Algorithm,
        kid: Option<String>,
    ) -> Result<Self, KeyError> {
        let bytes = pem.expose_secret().as_bytes();
        let (encoding, kind) = match algorithm {
            Algorithm::RS256 => (EncodingKey::from_rsa_pem(bytes), "RSA"),
            Algorithm::ES256 => (EncodingKey::from_ec_pem(bytes), "P-256 EC"),
            Algorithm::EdDSA => (EncodingKey::from_ed_pem(bytes), "Ed25519"),
            other => return Err(KeyError::UnsupportedAlgorithm(format!("{other:?}"))),
        };
        let encoding = encoding.map_err(|_| KeyError::InvalidKey(kind))?;
        let signer = JwsSigner::from_der(algorithm, encoding.as_bytes())
            .ok_or(KeyError::InvalidKey(kind))?;
        let mut public_jwk =
            Jwk::from_encoding_key(&encoding, algorithm).map_err(|_| KeyError::InvalidKey(kind))?;
        let decoding =
            DecodingKey::from_jwk(&public_jwk).map_err(|_| KeyError::InvalidKey(kind))?;
        let kid = match kid {
            Some(kid) => kid,
            None => public_jwk
                .thumbprint(ThumbprintHash::SHA256)
                .map_err(|_| KeyError::InvalidKey(kind))?,
        };
        public_jwk.common.key_id = Some(kid.clone());
        public_jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        public_jwk.common.key_algorithm = Some(match algorithm {
            Algorithm::ES256 => KeyAlgorithm::ES256,
            Algorithm::EdDSA => KeyAlgorithm::EdDSA,
            _ => KeyAlgorithm::RS256,
        });
        let form_key = derive_key(encoding.as_bytes(), b"offline-access login form v1");
        let rotation_key = derive_key(encoding.as_bytes(), b"offline-access refresh rotation v1");
        Ok(Self {
            kid,
            algorithm,
            signer,
            decoding,
            public_jwk,
            form_key,
            rotation_key,
        })
    }

    /// Generates a new private key in PEM form (PKCS#8), for the local server.
    #[cfg(any(test, feature = "test-support"))]
    pub fn generate_pem(algorithm: Algorithm) -> Result<PrivateKeyPem, KeyError> {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::{EcdsaKeyPair, Ed25519KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine;
        let der: Vec<u8> = match algorithm {
            Algorithm::RS256 => {
                let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .map_err(|_| KeyError::Generate)?;
                let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair)
                    .map_err(|_| KeyError::Generate)?;
                der.as_ref().to_vec()
            }
            Algorithm::ES256 => {
                let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                    .map_err(|_| KeyError::Generate)?;
                pair.to_pkcs8v1()
                    .map_err(|_| KeyError::Generate)?
                    .as_ref()
                    .to_vec()
            }
            Algorithm::EdDSA => Ed25519KeyPair::generate()
                .and_then(|pair| pair.to_pkcs8v1())
                .map_err(|_| KeyError::Generate)?
                .as_ref()
                .to_vec(),
            other => return Err(KeyError::UnsupportedAlgorithm(format!("{other:?}"))),
        };
        let body = STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        Ok(PrivateKeyPem::new(format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        )))
    }

    /// The key id carried in every JWT header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The signing algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The parsed key pair that signs every token.
    pub fn signer(&self) -> &JwsSigner {
        &self.signer
    }

    /// The key to verify our own tokens with.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The public key as a JWK with its `kid`, `use` and `alg` (RFC 7517 §4).
    pub fn public_jwk(&self) -> Jwk {
        self.public_jwk.clone()
    }

    /// Loads a retired key, whichever of ES256, EdDSA and RS256 it is.
    pub fn from_pem_any(pem: &PrivateKeyPem) -> Result<Self, KeyError> {
        Self::from_pem(pem, Algorithm::ES256, None)
            .or_else(|_| Self::from_pem(pem, Algorithm::EdDSA, None))
            .or_else(|_| Self::from_pem(pem, Algorithm::RS256, None))
            .map_err(|_| KeyError::InvalidKey("RSA, P-256 EC or Ed25519"))
    }

    /// The HMAC key that signs login-form anti-forgery tokens.
    pub fn form_key(&self) -> &hmac::Key {
        &self.form_key
    }

    /// The HMAC key that derives a refresh token's successor
    /// (`docs/design/refresh-rotation.md`).
    pub fn rotation_key(&self) -> &hmac::Key {
        &self.rotation_key
    }
}

/// Derives a purpose-bound HMAC-SHA256 key from the private key bytes.
fn derive_key(private_der: &[u8], label: &[u8]) -> hmac::Key {
    let root = hmac::Key::new(hmac::HMAC_SHA256, private_der);
    let derived = hmac::sign(&root, label);
    hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_load_and_publish_a_jwk_with_kid() {
        for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
            let pem = SigningKey::generate_pem(alg).unwrap();
            let key = SigningKey::from_pem(&pem, alg, None).unwrap();
            let jwk = serde_json::to_value(key.public_jwk()).unwrap();
            assert_eq!(jwk["kid"], key.kid());
            assert!(jwk.get("d").is_none(), "private part must not be published");
        }
    }

    #[test]
    fn a_key_of_the_wrong_type_is_refused() {
        let ec = SigningKey::generate_pem(Algorithm::ES256).unwrap();
        assert!(SigningKey::from_pem(&ec, Algorithm::RS256, None).is_err());
        let garbage = PrivateKeyPem::new("not a key");
        assert!(SigningKey::from_pem(&garbage, Algorithm::ES256, None).is_err());
        assert!(parse_algorithm("none").is_err());
        assert!(parse_algorithm("HS256").is_err());
    }
}
