//! Typed configuration, read once at cold start from environment variables.
//! A bad value stops the start with a message naming the variable.

use jsonwebtoken::Algorithm;

use crate::clients::{ClientConfigError, ClientRegistry};
use crate::domain::brute_force::{Limit, SignInLimits};
use crate::jwt::{DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_ID_TOKEN_TTL};
use crate::keys::{algorithm_name, parse_algorithm, KeyError};
use crate::secret::{PrivateKeyPem, RefreshKeysText};
use crate::store::dynamodb::DynamoSettings;

/// Why the configuration was refused. Every message names the variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("configuration: {0} is required but not set")]
    Missing(&'static str),
    /// A variable is set to a value we can't use.
    #[error("configuration: {var} is invalid: {problem}")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// What is wrong with it (never its value when it is secret).
        problem: String,
    },
    /// The clients document is invalid.
    #[error("configuration: CLIENTS_JSON is invalid: {0}")]
    Clients(#[from] ClientConfigError),
    /// The signing key can't be used.
    #[error("configuration: SIGNING_KEY_PEM is invalid: {0}")]
    Key(#[from] KeyError),
}

impl ConfigError {
    /// A signing key that does not parse as `SIGNING_ALGORITHM` needs; when it
    /// is a valid key of another algorithm (`actual`), the fix names it.
    pub fn key(err: KeyError, expected: Algorithm, actual: Option<Algorithm>) -> Self {
        let problem = match (err, actual) {
            (KeyError::InvalidKey(_), Some(actual)) => format!(
                "it is an {} key, but SIGNING_ALGORITHM is {}; set SIGNING_ALGORITHM={}",
                algorithm_name(actual),
                algorithm_name(expected),
                algorithm_name(actual)
            ),
            (KeyError::InvalidKey(kind), None) => format!(
                "it is not a {kind} private key in PEM form (SIGNING_ALGORITHM={}); \
                 give a PKCS#8 PEM key of that algorithm",
                algorithm_name(expected)
            ),
            (other, _) => other.to_string(),
        };
        Self::Invalid {
            var: "SIGNING_KEY_PEM",
            problem,
        }
    }
}

/// The whole service configuration.
#[derive(Debug)]
pub struct Config {
    /// The public base URL with a trailing slash, used as `iss`.
    pub issuer: String,
    /// The `aud` of access tokens for this service's API.
    pub api_audience: String,
    /// Lifetime of id tokens in seconds (default 36000, as in the classic API).
    pub id_token_ttl: u64,
    /// Lifetime of access tokens in seconds (default 3600).
    pub access_token_ttl: u64,
    /// How long a login form stays valid, in seconds (default 600).
    pub login_form_ttl: u64,
    /// How long a browser's sign-in at the authorization server lasts, in
    /// seconds (default 36000, ten hours).
    pub sign_in_ttl: u64,
    /// The private signing key.
    pub signing_key: PrivateKeyPem,
    /// ES256 (default), EdDSA or RS256.
    pub signing_algorithm: Algorithm,
    /// The RSA key for RS256 id tokens when `signing_algorithm` is not RS256
    /// (OpenID Connect Discovery 1.0 §3: RS256 MUST be supported).
    pub rs256_signing_key: Option<PrivateKeyPem>,
    /// The `kid`; defaults to the key's RFC 7638 thumbprint.
    pub signing_key_id: Option<String>,
    /// Retired private keys (PEM blocks, one after another): they no longer
    /// sign, but tokens they signed still verify and the JWKS lists them.
    pub previous_signing_keys: Vec<PrivateKeyPem>,
    /// Brute-force protection of the login form.
    pub sign_in_limits: SignInLimits,
    /// Whether DPoP proofs at the token endpoint must carry the server's
    /// nonce (`DPOP_NONCE`: `required`, the default, or `off`).
    pub dpop_nonce_required: bool,
    /// The refresh-token key set; `None` means one random key for this
    /// process (tests and local runs only: a Lambda function needs it).
    pub refresh_token_keys: Option<RefreshKeysText>,
    /// The registered clients.
    pub clients: ClientRegistry,
    /// The DynamoDB table; `None` means the in-memory store (local runs only).
    pub dynamodb: Option<DynamoSettings>,
}

impl Config {
    /// Reads the configuration of a Lambda function, which must have a table
    /// and refresh-token keys, through `lookup`.
    pub fn lambda_from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let config = Self::from_lookup(lookup)?;
        if config.dynamodb.is_none() {
            return Err(ConfigError::Missing("TABLE_NAME"));
        }
        if config.refresh_token_keys.is_none() {
            return Err(ConfigError::Invalid {
                var: "REFRESH_TOKEN_KEYS",
                problem: "required on Lambda (every instance must seal refresh tokens with the \
                          same keys); set it (or REFRESH_TOKEN_KEYS_SECRET_ARN) to \
                          k1:<32 random bytes in base64url>, for example \
                          k1:$(openssl rand 32 | basenc --base64url | tr -d =)"
                    .into(),
            });
        }
        Ok(config)
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let issuer = lookup("ISSUER").ok_or(ConfigError::Missing("ISSUER"))?;
        check_issuer(&issuer)?;
        let api_audience = lookup("API_AUDIENCE").unwrap_or_else(|| format!("{issuer}api/"));
        let signing_key = lookup("SIGNING_KEY_PEM")
            .map(PrivateKeyPem::new)
            .ok_or(ConfigError::Missing("SIGNING_KEY_PEM"))?;
        let signing_algorithm =
            parse_algorithm(&lookup("SIGNING_ALGORITHM").unwrap_or_else(|| "ES256".into()))
                .map_err(|e| ConfigError::Invalid {
                    var: "SIGNING_ALGORITHM",
                    problem: e.to_string(),
                })?;
        let rs256_signing_key = lookup("RS256_SIGNING_KEY_PEM").map(PrivateKeyPem::new);
        if rs256_signing_key.is_none() && signing_algorithm != Algorithm::RS256 {
            return Err(ConfigError::Invalid {
                var: "RS256_SIGNING_KEY_PEM",
                problem: format!(
                    "required when SIGNING_ALGORITHM is {}, so RS256 id tokens stay available; \
                     give an RSA private key in PEM form (openssl genpkey -algorithm RSA \
                     -pkeyopt rsa_keygen_bits:2048)",
                    algorithm_name(signing_algorithm)
                ),
            });
        }
        let clients_json = lookup("CLIENTS_JSON").ok_or(ConfigError::Missing("CLIENTS_JSON"))?;
        let dynamodb = lookup("TABLE_NAME").map(|table_name| DynamoSettings {
            table_name,
            endpoint_url: lookup("DYNAMODB_ENDPOINT_URL"),
        });
        Ok(Self {
            issuer,
            api_audience,
            id_token_ttl: seconds(&lookup, "ID_TOKEN_TTL_SECONDS", DEFAULT_ID_TOKEN_TTL)?,
            access_token_ttl: seconds(
                &lookup,
                "ACCESS_TOKEN_TTL_SECONDS",
                DEFAULT_ACCESS_TOKEN_TTL,
            )?,
            login_form_ttl: seconds(&lookup, "LOGIN_FORM_TTL_SECONDS", 600)?,
            sign_in_ttl: seconds(&lookup, "SIGN_IN_SESSION_TTL_SECONDS", 36_000)?,
            signing_key,
            signing_algorithm,
            rs256_signing_key,
            signing_key_id: lookup("SIGNING_KEY_ID"),
            previous_signing_keys: lookup("PREVIOUS_SIGNING_KEYS_PEM")
                .map(|pems| split_pem_blocks(&pems))
                .unwrap_or_default(),
            sign_in_limits: sign_in_limits(&lookup)?,
            dpop_nonce_required: dpop_nonce(&lookup)?,
            refresh_token_keys: lookup("REFRESH_TOKEN_KEYS").map(RefreshKeysText::new),
            clients: ClientRegistry::from_json(&clients_json)?,
            dynamodb,
        })
    }
}

/// Splits concatenated PEM blocks at each `-----END …-----` line.
fn split_pem_blocks(pems: &str) -> Vec<PrivateKeyPem> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    for line in pems.lines() {
        current.push_str(line);
        current.push('\n');
        if line.starts_with("-----END") {
            blocks.push(PrivateKeyPem::new(std::mem::take(&mut current)));
        }
    }
    if !current.trim().is_empty() {
        blocks.push(PrivateKeyPem::new(current));
    }
    blocks
}

/// The issuer must be an absolute http(s) URL ending in `/`, without query or fragment.
fn check_issuer(issuer: &str) -> Result<(), ConfigError> {
    let invalid = |problem: &str| ConfigError::Invalid {
        var: "ISSUER",
        problem: problem.to_owned(),
    };
    let url = url::Url::parse(issuer).map_err(|_| invalid("not an absolute URL"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(invalid("must be an http(s) URL"));
    }
    if !issuer.ends_with('/') || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("must end with '/' and have no query or fragment"));
    }
    Ok(())
}

/// The login form's limits: `SIGN_IN_FAILURES_PER_ADDRESS` in
/// `SIGN_IN_ADDRESS_WINDOW_SECONDS`, and `SIGN_IN_FAILURES_PER_ACCOUNT` in
/// `SIGN_IN_ACCOUNT_WINDOW_SECONDS`.
fn sign_in_limits(lookup: &impl Fn(&str) -> Option<String>) -> Result<SignInLimits, ConfigError> {
    let defaults = SignInLimits::default();
    let per_address = Limit {
        failures: seconds(
            lookup,
            "SIGN_IN_FAILURES_PER_ADDRESS",
            defaults.per_address.failures,
        )?,
        window: seconds(
            lookup,
            "SIGN_IN_ADDRESS_WINDOW_SECONDS",
            defaults.per_address.window,
        )?,
    };
    let per_account = Limit {
        failures: seconds(
            lookup,
            "SIGN_IN_FAILURES_PER_ACCOUNT",
            defaults.per_account.failures,
        )?,
        window: seconds(
            lookup,
            "SIGN_IN_ACCOUNT_WINDOW_SECONDS",
            defaults.per_account.window,
        )?,
    };
    Ok(SignInLimits {
        per_address,
        per_account,
    })
}

/// `DPOP_NONCE`: `required` (the default) or `off` (RFC 9449 §8).
fn dpop_nonce(lookup: &impl Fn(&str) -> Option<String>) -> Result<bool, ConfigError> {
    match lookup("DPOP_NONCE").as_deref() {
        None | Some("required") => Ok(true),
        Some("off") => Ok(false),
        Some(_) => Err(ConfigError::Invalid {
            var: "DPOP_NONCE",
            problem: "must be required (the default) or off".into(),
        }),
    }
}

/// A lifetime in seconds: a whole number from 1 to 31 536 000 (a year).
fn seconds(
    lookup: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    let Some(value) = lookup(var) else {
        return Ok(default);
    };
    match value.parse::<u64>() {
        Ok(n) if (1..=31_536_000).contains(&n) => Ok(n),
        _ => Err(ConfigError::Invalid {
            var,
            problem: "must be a whole number from 1 to 31536000".into(),
        }),
    }
}

#[cfg(test)]
mod tests;
