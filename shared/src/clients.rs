//! The registered clients (apps), read once at cold start from a JSON document.

use std::collections::HashMap;

use aws_lc_rs::digest;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use url::Url;

use jsonwebtoken::Algorithm;

use crate::ids::{ClientId, Scope};
use crate::keys::parse_algorithm;
use crate::refresh_policy::{RefreshPolicy, RefreshPolicyConfig};
use crate::secret::ClientSecret;

/// The grants and flows a client may use (RFC 6749 §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum GrantType {
    /// The implicit flow at `/authorize` (RFC 6749 §4.2).
    #[serde(rename = "implicit")]
    Implicit,
    /// The classic `/delegation` endpoint.
    #[serde(rename = "urn:ietf:params:oauth:grant-type:jwt-bearer")]
    JwtBearer,
    /// The client credentials grant at `/oauth/token` (RFC 6749 §4.4).
    #[serde(rename = "client_credentials")]
    ClientCredentials,
    /// The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636).
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    /// The refresh token grant at `/oauth/token` (RFC 6749 §6).
    #[serde(rename = "refresh_token")]
    RefreshToken,
}

impl GrantType {
    /// Every grant, in the order discovery lists them.
    pub const ALL: [GrantType; 5] = [
        Self::AuthorizationCode,
        Self::RefreshToken,
        Self::ClientCredentials,
        Self::Implicit,
        Self::JwtBearer,
    ];

    /// The grant's name on the wire (RFC 6749 §4, RFC 7523 §2.1).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Implicit => "implicit",
            Self::JwtBearer => "urn:ietf:params:oauth:grant-type:jwt-bearer",
            Self::ClientCredentials => "client_credentials",
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
        }
    }

    /// The grant a wire name names, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == name)
    }
}

/// One registered client, as configured.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// The client id.
    pub client_id: ClientId,
    /// A name shown on the login page.
    pub name: String,
    /// Allowed callback URLs; `redirect_uri` must equal one exactly.
    #[serde(default)]
    pub callbacks: Vec<String>,
    /// Allowed web origins for CORS, such as `https://app.example.com`.
    #[serde(default)]
    pub web_origins: Vec<String>,
    /// Where RP-initiated logout may send the browser afterwards; a
    /// `post_logout_redirect_uri` must equal one exactly.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Whether the client may receive refresh tokens.
    #[serde(default)]
    pub refresh_tokens: bool,
    /// `sha256:<hex>` of the client secret; present only for confidential clients.
    #[serde(default)]
    client_secret_hash: Option<String>,
    /// The scopes the client may ask for.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The grants the client may use.
    #[serde(default = "default_grants")]
    pub grant_types: Vec<GrantType>,
    /// Other clients this client may ask `/delegation` to mint tokens for (`target`).
    #[serde(default)]
    pub delegation_targets: Vec<ClientId>,
    /// Rotation, leeway and lifetimes of its refresh tokens.
    #[serde(default)]
    refresh_token_policy: RefreshPolicyConfig,
    /// The algorithm of its id tokens (OpenID Connect Dynamic Client
    /// Registration 1.0 §2): `RS256`, or the main key's; absent means the main key's.
    #[serde(default)]
    id_token_signed_response_alg: Option<String>,
    /// Whether its token requests must carry a DPoP proof (RFC 9449).
    #[serde(default)]
    pub dpop: DpopPolicy,
}

/// A client's DPoP policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DpopPolicy {
    /// A proof binds the session and its tokens; without one they are Bearer.
    #[default]
    Optional,
    /// Every token request needs a proof.
    Required,
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email", "offline_access"]
        .map(str::to_owned)
        .to_vec()
}

/// A new client's grants: the code flow and refreshing. The implicit flow
/// and the classic `/delegation` are legacy (RFC 9700 §2.1.2: the implicit
/// grant puts tokens in the URL); a client gets them only by listing them.
fn default_grants() -> Vec<GrantType> {
    vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
}

impl Client {
    /// Whether the client authenticates with a secret (RFC 6749 §2.1).
    pub fn is_confidential(&self) -> bool {
        self.client_secret_hash.is_some()
    }

    /// The client's refresh-token policy, with the defaults filled in.
    pub fn refresh_policy(&self) -> RefreshPolicy {
        self.refresh_token_policy.resolve(self.is_confidential())
    }

    /// Whether `secret` is this client's secret, compared in constant time.
    pub fn secret_matches(&self, secret: &ClientSecret) -> bool {
        let Some(expected) = self.client_secret_hash.as_deref().and_then(parse_sha256) else {
            return false;
        };
        let actual = digest::digest(&digest::SHA256, secret.expose_secret().as_bytes());
        expected.as_slice().ct_eq(actual.as_ref()).into()
    }

    /// Whether `redirect_uri` is one of the registered callbacks, by exact match.
    pub fn allows_callback(&self, redirect_uri: &str) -> bool {
        self.callbacks.iter().any(|c| c == redirect_uri)
    }

    /// Whether `uri` is one of the registered post-logout redirect URIs, by exact match.
    pub fn allows_post_logout_redirect(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|u| u == uri)
    }

    /// Whether `origin` is one of the client's web origins, by exact match.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.web_origins.iter().any(|o| o == origin)
    }

    /// Whether the client may use `grant`.
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// The algorithm its id tokens are signed with; `None` means the main key's.
    pub fn id_token_algorithm(&self) -> Option<Algorithm> {
        self.id_token_signed_response_alg
            .as_deref()
            .and_then(|name| parse_algorithm(name).ok())
    }

    /// The scopes the client may ask for.
    pub fn allowed_scope(&self) -> Scope {
        Scope::from_tokens(self.scopes.iter().map(String::as_str))
    }
}

/// `sha256:<64 hex digits>` → the 32 digest bytes.
fn parse_sha256(value: &str) -> Option<Vec<u8>> {
    let hex = value.strip_prefix("sha256:")?;
    if hex.len() != 64 {
        return None;
    }
    (0..32)
        .map(|i| {
            hex.get(i * 2..i * 2 + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// Formats the stored form of a client secret: `sha256:<hex>`.
pub fn hash_client_secret(secret: &ClientSecret) -> String {
    let digest = digest::digest(&digest::SHA256, secret.expose_secret().as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Why the client document was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClientConfigError {
    /// The JSON does not have the expected shape.
    #[error("it must be a JSON array of client objects, [{{\"client_id\": …}}, …] ({0})")]
    Json(#[from] serde_json::Error),
    /// Two clients share an id.
    #[error("client id {0} is listed twice")]
    Duplicate(String),
    /// A field of one client is invalid.
    #[error("client {client}: {problem}")]
    Invalid {
        /// The client id.
        client: String,
        /// What is wrong.
        problem: String,
    },
}

/// All registered clients, by id.
#[derive(Debug, Clone, Default)]
pub struct ClientRegistry {
    clients: HashMap<String, Client>,
}

impl ClientRegistry {
    /// Parses and validates a JSON array of clients.
    pub fn from_json(json: &str) -> Result<Self, ClientConfigError> {
        let list: Vec<Client> = serde_json::from_str(json)?;
        let mut clients = HashMap::new();
        for client in list {
            validate(&client).map_err(|problem| ClientConfigError::Invalid {
                client: client.client_id.to_string(),
                problem,
            })?;
            let id = client.client_id.to_string();
            if clients.insert(id.clone(), client).is_some() {
                return Err(ClientConfigError::Duplicate(id));
            }
        }
        Ok(Self { clients })
    }

    /// Looks a client up by id.
    pub fn get(&self, client_id: &str) -> Option<&Client> {
        self.clients.get(client_id)
    }

    /// Every client, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Client> {
        self.clients.values()
    }

    /// Adds a client the service itself uses (the device pages' sign-in);
    /// a registered client with its id is refused, naming the id as reserved.
    pub fn add_builtin(&mut self, client: Client) -> Result<(), ClientConfigError> {
        let id = client.client_id.to_string();
        if self.clients.contains_key(&id) {
            return Err(ClientConfigError::Invalid {
                client: id,
                problem: "this client id is reserved for the service's own device pages;                           register the client under another id"
                    .into(),
            });
        }
        self.clients.insert(id, client);
        Ok(())
    }

    /// Whether any client allows `origin` (used to answer CORS preflights).
    pub fn any_allows_origin(&self, origin: &str) -> bool {
        self.clients.values().any(|c| c.allows_origin(origin))
    }
}

fn validate(client: &Client) -> Result<(), String> {
    for callback in client
        .callbacks
        .iter()
        .chain(&client.post_logout_redirect_uris)
    {
        let url = Url::parse(callback).map_err(|_| format!("callback {callback} is not a URL"))?;
        if !matches!(url.scheme(), "https" | "http")
            || url.fragment().is_some()
            || !callback.is_ascii()
        {
            return Err(format!(
                "callback {callback} must be an ASCII http(s) URL without a fragment"
            ));
        }
    }
    for origin in &client.web_origins {
        let url = Url::parse(origin).map_err(|_| format!("origin {origin} is not a URL"))?;
        if url.origin().ascii_serialization() != *origin {
            return Err(format!("origin {origin} must be scheme://host[:port] only"));
        }
    }
    if let Some(hash) = &client.client_secret_hash {
        parse_sha256(hash).ok_or("client_secret_hash must be sha256:<64 hex digits>")?;
    }
    client
        .refresh_token_policy
        .validate()
        .map_err(|e| format!("refresh_token_policy: {e}"))?;
    for scope in &client.scopes {
        Scope::parse(scope).map_err(|e| e.0.to_owned())?;
    }
    let legacy = [GrantType::Implicit, GrantType::JwtBearer];
    if client.dpop == DpopPolicy::Required && legacy.iter().any(|g| client.allows_grant(*g)) {
        return Err(
            "dpop is required, but the implicit and jwt-bearer grants can't carry a \
                    DPoP proof; remove them from grant_types"
                .into(),
        );
    }
    if let Some(name) = &client.id_token_signed_response_alg {
        parse_algorithm(name).map_err(|e| format!("id_token_signed_response_alg: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
