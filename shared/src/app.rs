//! The wiring: what every function builds once at cold start (the
//! authority, the edge's settings and the store client), lent to the
//! handlers through their router state.

use std::sync::Arc;

use jsonwebtoken::Algorithm;

use crate::clients::ClientRegistry;
use crate::config::{Config, ConfigError};
use crate::domain::account::pages_client;
use crate::domain::brute_force::SignInLimits;
use crate::domain::Authority;
use crate::jwt::TokenSigner;
use crate::keys::{algorithm_name, SigningKey};
use crate::observe::{EventBridgeBus, Observer};
use crate::refresh_token::RefreshKeys;
use crate::store::dynamodb::DynamoStore;
use crate::store::Store;

/// The parts every handler shares, built once.
#[derive(Debug)]
pub struct Services {
    /// The signer and the clients: what the domain rules use.
    pub authority: Authority,
    /// How long a login form stays valid, in seconds.
    pub login_form_ttl: u64,
    /// Whether cookies get the `Secure` attribute (the issuer is https).
    pub secure_cookies: bool,
    /// How long a browser's sign-in lasts, in seconds.
    pub sign_in_ttl: u64,
    /// Brute-force protection of the login form.
    pub sign_in_limits: SignInLimits,
}

impl Services {
    /// Parses the key and builds the signer; fails with a message naming the problem.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let refresh_keys = refresh_keys(config)?;
        let key = SigningKey::from_pem(
            &config.signing_key,
            config.signing_algorithm,
            config.signing_key_id.clone(),
        )
        .map_err(|e| {
            let actual = SigningKey::from_pem_any(&config.signing_key)
                .ok()
                .map(|key| key.algorithm());
            ConfigError::key(e, config.signing_algorithm, actual)
        })?;
        let previous = config
            .previous_signing_keys
            .iter()
            .map(SigningKey::from_pem_any)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ConfigError::Invalid {
                var: "PREVIOUS_SIGNING_KEYS_PEM",
                problem: e.to_string(),
            })?;
        let rs256 = match &config.rs256_signing_key {
            Some(pem) if config.signing_algorithm != Algorithm::RS256 => Some(
                SigningKey::from_pem(pem, Algorithm::RS256, None).map_err(|e| {
                    ConfigError::Invalid {
                        var: "RS256_SIGNING_KEY_PEM",
                        problem: format!("{e}; give an RSA private key (PKCS#1 or PKCS#8 PEM)"),
                    }
                })?,
            ),
            _ => None,
        };
        let signer = TokenSigner::new(key, config.issuer.clone(), config.api_audience.clone())
            .with_lifetimes(config.id_token_ttl, config.access_token_ttl)
            .with_rs256_key(rs256)
            .with_previous_keys(previous);
        check_client_algorithms(&config.clients, &signer)?;
        let refresh_keys = refresh_keys.with_legacy_rotation(signer.key().rotation_key().clone());
        let mut clients = config.clients.clone();
        let pages = pages_client(&config.issuer).map_err(|_| ConfigError::Invalid {
            var: "ISSUER",
            problem: "the device pages' client could not be built from it".into(),
        })?;
        clients.add_builtin(pages)?;
        Ok(Self {
            authority: Authority {
                signer,
                clients,
                refresh_keys,
                dpop_nonce_required: config.dpop_nonce_required,
                observer: Observer::default(),
            },
            login_form_ttl: config.login_form_ttl,
            sign_in_ttl: config.sign_in_ttl,
            sign_in_limits: config.sign_in_limits,
            secure_cookies: config.issuer.starts_with("https://"),
        })
    }
}

/// The configured refresh-token keys, or one random key for this process.
fn refresh_keys(config: &Config) -> Result<RefreshKeys, ConfigError> {
    let invalid = |problem: String| ConfigError::Invalid {
        var: "REFRESH_TOKEN_KEYS",
        problem,
    };
    let text = match &config.refresh_token_keys {
        Some(text) => text.expose_secret().to_owned(),
        None => RefreshKeys::generate_text("local")
            .map_err(|_| invalid("no randomness to generate a key".into()))?,
    };
    RefreshKeys::parse(&text).map_err(|problem| {
        invalid(format!(
            "{problem}; give <id>:<32 random bytes in base64url>, comma-separated, current first"
        ))
    })
}

impl Services {
    /// Publishes the security events that need action on the EventBridge
    /// bus `EVENT_BUS_NAME` names, when it names one.
    pub fn with_event_bus(mut self, lookup: &impl Fn(&str) -> Option<String>) -> Self {
        if let Some(bus) = EventBridgeBus::from_lookup(lookup) {
            self.authority.observer = Observer::default().with_bus(Arc::new(bus));
        }
        self
    }
}

/// Every client's `id_token_signed_response_alg` must be one the signer has a key for.
fn check_client_algorithms(
    clients: &ClientRegistry,
    signer: &TokenSigner,
) -> Result<(), ConfigError> {
    let available = signer.id_token_algorithms();
    for client in clients.iter() {
        if let Some(algorithm) = client.id_token_algorithm() {
            if !available.contains(&algorithm) {
                return Err(ConfigError::Invalid {
                    var: "CLIENTS_JSON",
                    problem: format!(
                        "client {}: id_token_signed_response_alg is {}, but the server signs \
                         id tokens with {} only; use one of those or change SIGNING_ALGORITHM",
                        client.client_id,
                        algorithm_name(algorithm),
                        available
                            .iter()
                            .map(|a| algorithm_name(*a))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Cold start of a Lambda function: reads the config (which must name a
/// table), parses the key and builds the DynamoDB client, once. A bad
/// configuration stops the process after one log line naming the problem
/// (never a secret's value), so the function's log says what to fix.
pub async fn cold_start() -> (Arc<Services>, Arc<dyn Store>) {
    let built = async {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let secrets = crate::secrets::resolve(env).await?;
        let config = Config::lambda_from_lookup(|name| secrets.get(name).or_else(|| env(name)))?;
        let services = Services::from_config(&config)?.with_event_bus(&env);
        let settings = config.dynamodb.ok_or(ConfigError::Missing("TABLE_NAME"))?;
        let store: Arc<dyn Store> = Arc::new(DynamoStore::connect(&settings).await);
        Ok::<_, ConfigError>((Arc::new(services), store))
    }
    .await;
    match built {
        Ok(parts) => parts,
        Err(err) => {
            tracing::error!(error = %err, "cold start failed");
            std::process::exit(1)
        }
    }
}
