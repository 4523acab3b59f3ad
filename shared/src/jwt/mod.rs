//! Minting and verifying the service's JWTs: id tokens (OpenID Connect Core
//! §2) and access tokens in the RFC 9068 profile (`typ: at+jwt`).

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, Header, Validation};

mod claims;

pub use claims::{AccessTokenClaims, Confirmation, IdTokenClaims, Profile};

use crate::ids::{ClientId, Scope};
use crate::keys::SigningKey;
use crate::secret::Jwt;

/// The `typ` header of access tokens (RFC 9068 §2.1).
const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// Clock leeway when verifying our own tokens, in seconds.
const LEEWAY_SECONDS: u64 = 5;

/// Why a JWT was refused or could not be made.
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// Signing failed (a fault of ours).
    #[error("signing failed")]
    Sign,
    /// The token is not valid: bad signature, wrong type, issuer, audience or time.
    #[error("token is invalid")]
    Invalid,
}

/// A new `jti`: 128 random bits as lowercase hex.
fn token_id() -> Result<String, JwtError> {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| JwtError::Sign)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Mints and verifies tokens with the service's key, issuer and lifetimes.
#[derive(Debug)]
pub struct TokenSigner {
    key: SigningKey,
    /// The RS256 key for clients that ask for RS256 id tokens when the main
    /// key is ES256 or EdDSA (OpenID Connect Discovery 1.0 §3: RS256 MUST be
    /// supported); `None` when the main key is RS256.
    rs256: Option<SigningKey>,
    /// Retired keys: they no longer sign, but still verify and are published.
    previous: Vec<SigningKey>,
    issuer: String,
    api_audience: String,
    id_token_ttl: u64,
    access_token_ttl: u64,
}

/// The default id token lifetime in seconds: 10 hours, as in the classic API.
pub const DEFAULT_ID_TOKEN_TTL: u64 = 36_000;
/// The default access token lifetime in seconds.
pub const DEFAULT_ACCESS_TOKEN_TTL: u64 = 3_600;

/// What a new id token needs besides the key.
pub struct IdTokenRequest<'a> {
    /// The user id.
    pub sub: &'a str,
    /// The client the token is for.
    pub audience: &'a ClientId,
    /// The user's profile; the scope decides what is released.
    pub profile: &'a Profile,
    /// The granted scope.
    pub scope: &'a Scope,
    /// The client's nonce.
    pub nonce: Option<&'a str>,
    /// When the user signed in (OIDC Core §2 `auth_time`).
    pub auth_time: u64,
    /// The client's `id_token_signed_response_alg` (OpenID Connect Dynamic
    /// Client Registration 1.0 §2); `None` means the main key's.
    pub algorithm: Option<Algorithm>,
}

impl TokenSigner {
    /// Builds a signer with the default lifetimes.
    pub fn new(key: SigningKey, issuer: String, api_audience: String) -> Self {
        Self {
            key,
            rs256: None,
            previous: Vec::new(),
            issuer,
            api_audience,
            id_token_ttl: DEFAULT_ID_TOKEN_TTL,
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        }
    }

    /// Sets the id token and access token lifetimes, in seconds.
    pub fn with_lifetimes(self, id_token_ttl: u64, access_token_ttl: u64) -> Self {
        Self {
            id_token_ttl,
            access_token_ttl,
            ..self
        }
    }

    /// The signing key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    fn header(key: &SigningKey, typ: &str) -> Header {
        let mut header = Header::new(key.algorithm());
        header.kid = Some(key.kid().to_owned());
        header.typ = Some(typ.to_owned());
        header
    }

    /// The algorithms id tokens can be signed with: the main key's, and RS256.
    pub fn id_token_algorithms(&self) -> Vec<Algorithm> {
        std::iter::once(&self.key)
            .chain(&self.rs256)
            .map(SigningKey::algorithm)
            .collect()
    }

    /// The key that signs an id token in `algorithm` (the main key's when `None`).
    fn id_token_key(&self, algorithm: Option<Algorithm>) -> Result<&SigningKey, JwtError> {
        std::iter::once(&self.key)
            .chain(&self.rs256)
            .find(|key| algorithm.is_none_or(|alg| key.algorithm() == alg))
            .ok_or(JwtError::Sign)
    }

    /// Mints an id token; returns it and its `expires_in` (`exp − iat`).
    pub fn mint_id_token(
        &self,
        request: &IdTokenRequest<'_>,
        now: u64,
    ) -> Result<(Jwt, u64), JwtError> {
        let claims = IdTokenClaims {
            iss: self.issuer.clone(),
            sub: request.sub.to_owned(),
            aud: request.audience.to_string(),
            iat: now,
            exp: now + self.id_token_ttl,
            nonce: request.nonce.map(str::to_owned),
            auth_time: Some(request.auth_time),
            profile: request.profile.released_for(request.scope),
        };
        let key = self.id_token_key(request.algorithm)?;
        let token = key
            .signer()
            .encode(&Self::header(key, "JWT"), &claims)
            .map_err(|_| JwtError::Sign)?;
        Ok((Jwt::new(token), self.id_token_ttl))
    }

    /// Mints an access token for the service's API; returns it and its `expires_in`.
    pub fn mint_access_token(
        &self,
        sub: &str,
        client_id: &ClientId,
        scope: &Scope,
        now: u64,
    ) -> Result<(Jwt, u64), JwtError> {
        self.mint_bound_access_token(sub, client_id, scope, now, None)
    }

    /// An access token bound to the key with thumbprint `jkt` when there is
    /// one (RFC 9449 §6.1: `cnf.jkt`).
    pub fn mint_bound_access_token(
        &self,
        sub: &str,
        client_id: &ClientId,
        scope: &Scope,
        now: u64,
        jkt: Option<&str>,
    ) -> Result<(Jwt, u64), JwtError> {
        let claims = AccessTokenClaims {
            iss: self.issuer.clone(),
            sub: sub.to_owned(),
            aud: self.api_audience.clone(),
            scope: scope.to_string(),
            client_id: client_id.to_string(),
            iat: now,
            nbf: now,
            exp: now + self.access_token_ttl,
            jti: token_id()?,
            cnf: jkt.map(|jkt| Confirmation {
                jkt: jkt.to_owned(),
            }),
        };
        let token = self
            .key
            .signer()
            .encode(&Self::header(&self.key, ACCESS_TOKEN_TYP), &claims)
            .map_err(|_| JwtError::Sign)?;
        Ok((Jwt::new(token), self.access_token_ttl))
    }

    /// Adds retired keys that still verify (key rotation).
    pub fn with_previous_keys(mut self, previous: Vec<SigningKey>) -> Self {
        self.previous = previous;
        self
    }

    /// Adds the RS256 key for clients that ask for RS256 id tokens.
    pub fn with_rs256_key(mut self, rs256: Option<SigningKey>) -> Self {
        self.rs256 = rs256.filter(|_| self.key.algorithm() != Algorithm::RS256);
        self
    }

    /// Every key that verifies: the current, the RS256 and the retired ones.
    fn keys(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.key)
            .chain(&self.rs256)
            .chain(&self.previous)
    }

    /// The public keys of the current, RS256 and retired keys (RFC 7517 §5).
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.keys().map(SigningKey::public_jwk).collect(),
        }
    }

    fn validation(&self, algorithm: Algorithm, audience: &str) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        validation
    }

    /// Checks the header names one of our keys, with its algorithm, and the
    /// expected token type; returns that key.
    fn check_header(&self, token: &str, typ: &str) -> Result<&SigningKey, JwtError> {
        let header = decode_header(token).map_err(|_| JwtError::Invalid)?;
        if header.typ.as_deref() != Some(typ) {
            return Err(JwtError::Invalid);
        }
        self.keys()
            .find(|key| header.alg == key.algorithm() && header.kid.as_deref() == Some(key.kid()))
            .ok_or(JwtError::Invalid)
    }

    /// Verifies an access token of ours (RFC 9068 §4): key, type, issuer, audience, times.
    pub fn verify_access_token(&self, token: &str) -> Result<AccessTokenClaims, JwtError> {
        let key = self.check_header(token, ACCESS_TOKEN_TYP)?;
        let mut validation = self.validation(key.algorithm(), &self.api_audience);
        validation.validate_nbf = true;
        decode::<AccessTokenClaims>(token, key.decoding(), &validation)
            .map(|data| data.claims)
            .map_err(|_| JwtError::Invalid)
    }

    /// Verifies an id token of ours that was issued to `client_id` and has not expired.
    pub fn verify_id_token(
        &self,
        token: &str,
        client_id: &ClientId,
    ) -> Result<IdTokenClaims, JwtError> {
        let key = self.check_header(token, "JWT")?;
        decode::<IdTokenClaims>(
            token,
            key.decoding(),
            &self.validation(key.algorithm(), client_id.as_str()),
        )
        .map(|data| data.claims)
        .map_err(|_| JwtError::Invalid)
    }

    /// Verifies an `id_token_hint` (OpenID RP-Initiated Logout 1.0 §2): an id
    /// token of ours, for any client, expired or not (a logout often comes
    /// after the id token's lifetime). The caller checks the audience.
    pub fn verify_id_token_hint(&self, token: &str) -> Result<IdTokenClaims, JwtError> {
        let key = self.check_header(token, "JWT")?;
        let mut validation = Validation::new(key.algorithm());
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["iss", "aud", "sub"]);
        validation.validate_exp = false;
        validation.validate_aud = false;
        decode::<IdTokenClaims>(token, key.decoding(), &validation)
            .map(|data| data.claims)
            .map_err(|_| JwtError::Invalid)
    }
}

#[cfg(test)]
mod tests;
