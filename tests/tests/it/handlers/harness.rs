//! Local invocation: events sent through each function's real router, with an
//! in-memory store, test clients and users.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use serde_json::json;
use shared::app::Services;
use shared::clients::hash_client_secret;
use shared::config::Config;
use shared::domain::password::hash_password;
use shared::http::{authorize, delegation, revoke};
use shared::ids::{ClientId, Scope, UserId};
use shared::jwt::Profile;
use shared::keys::SigningKey;
use shared::secret::{ClientSecret, Password};
use shared::store::memory::MemoryStore;
use shared::store::{UserRecord, Users};

pub use super::events::{form, send, Call, Gateway, Reply, BOTH};

pub const CALLBACK: &str = "https://app.example.com/callback";
pub const ORIGIN: &str = "https://app.example.com";
/// The web origin of another client (`modern`).
pub const OTHER_ORIGIN: &str = "https://modern.example.com";
pub const PASSWORD: &str = "correct horse battery";
/// Where the web client's users land after RP-initiated logout.
pub const SIGNED_OUT: &str = "https://app.example.com/signed-out";

/// The three functions' routers over one in-memory store, with test clients and users.
pub struct Harness {
    pub services: Arc<Services>,
    pub store: Arc<MemoryStore>,
    /// The signing key, so a test can forge tokens with it.
    pub key_pem: String,
}

fn clients_json() -> String {
    let admin = hash_client_secret(&ClientSecret::new("admin-secret"));
    let reader = hash_client_secret(&ClientSecret::new("reader-secret"));
    let app = hash_client_secret(&ClientSecret::new("app-secret"));
    let classic = json!([
        "implicit",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "authorization_code",
        "refresh_token"
    ]);
    json!([
        {"client_id": "web", "grant_types": classic, "name": "Web <App>", "callbacks": [CALLBACK], "web_origins": [ORIGIN],
         "post_logout_redirect_uris": [SIGNED_OUT],
         "refresh_tokens": true, "delegation_targets": ["api-client"]},
        {"client_id": "api-client", "name": "API", "grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer"]},
        {"client_id": "dpop-app", "name": "DPoP app", "callbacks": [CALLBACK], "refresh_tokens": true,
         "dpop": "required"},
        {"client_id": "dpop-keeper", "name": "DPoP app without rotation", "callbacks": [CALLBACK],
         "refresh_tokens": true, "dpop": "required", "refresh_token_policy": {"rotate": false}},
        {"client_id": "rsa-app", "grant_types": classic, "name": "RSA app", "callbacks": [CALLBACK],
         "refresh_tokens": true, "id_token_signed_response_alg": "RS256"},
        {"client_id": "no-refresh", "grant_types": classic, "name": "No refresh", "callbacks": [CALLBACK]},
        {"client_id": "no-implicit", "name": "No implicit", "callbacks": [CALLBACK],
         "grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer"]},
        {"client_id": "admin", "name": "Admin", "client_secret_hash": admin, "grant_types": ["client_credentials"],
         "scopes": ["read:device_credentials", "delete:device_credentials"]},
        {"client_id": "reader", "name": "Reader", "client_secret_hash": reader, "grant_types": ["client_credentials"],
         "scopes": ["read:device_credentials"]},
        {"client_id": "confidential-app", "name": "Server app", "client_secret_hash": app,
         "callbacks": [CALLBACK], "refresh_tokens": true,
         "grant_types": ["implicit", "authorization_code", "refresh_token"]},
        {"client_id": "zero-leeway", "grant_types": classic, "name": "Strict app", "callbacks": [CALLBACK],
         "refresh_tokens": true, "refresh_token_policy": {"leeway_seconds": 0}},
        {"client_id": "capped", "grant_types": classic, "name": "Capped app", "callbacks": [CALLBACK],
         "refresh_tokens": true, "refresh_token_policy": {"max_sessions": 2}},
        {"client_id": "short-lived", "grant_types": classic, "name": "Short-lived app", "callbacks": [CALLBACK],
         "refresh_tokens": true, "refresh_token_policy": {"idle_lifetime_seconds": 1}},
        {"client_id": "modern", "name": "Modern app", "callbacks": [CALLBACK], "refresh_tokens": true,
         "web_origins": [OTHER_ORIGIN]},
        {"client_id": "classic-app", "grant_types": classic, "name": "Classic app", "callbacks": [CALLBACK],
         "refresh_tokens": true, "refresh_token_policy": {"rotate": false}}
    ])
    .to_string()
}

/// One RSA key for every harness of the test process (generating one takes a while).
fn rsa_pem() -> &'static str {
    static PEM: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PEM.get_or_init(|| {
        SigningKey::generate_pem(shared::keys::Algorithm::RS256)
            .unwrap()
            .expose_secret()
            .to_owned()
    })
}

/// The services of the harness configuration, plus `extra`.
fn services(key_pem: &str, extra: &[(&'static str, &str)]) -> Arc<Services> {
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("ISSUER", "https://auth.example.com/".to_owned()),
        ("SIGNING_KEY_PEM", key_pem.to_owned()),
        ("SIGNING_ALGORITHM", "ES256".to_owned()),
        ("RS256_SIGNING_KEY_PEM", rsa_pem().to_owned()),
        (
            "REFRESH_TOKEN_KEYS",
            crate::helpers::TEST_REFRESH_KEYS.to_owned(),
        ),
        ("CLIENTS_JSON", clients_json()),
    ]);
    vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let lookup = |k: &str| vars.get(k).cloned();
    let config = Config::from_lookup(lookup).unwrap();
    Arc::new(
        Services::from_config(&config)
            .unwrap()
            .with_event_bus(&lookup),
    )
}

impl Harness {
    pub async fn new() -> Self {
        Self::with_vars(&[]).await
    }

    /// A harness whose configuration adds (or overrides) `extra`.
    pub async fn with_vars(extra: &[(&'static str, &str)]) -> Self {
        let key =
            SigningKey::generate_pem(shared::keys::parse_algorithm("ES256").unwrap()).unwrap();
        let services = services(key.expose_secret(), extra);
        let store = Arc::new(MemoryStore::new());
        let hash = hash_password(&Password::new(PASSWORD)).unwrap();
        for (id, login, admin) in [
            ("usr_ana", "ana@example.com", false),
            ("usr_bob", "bob@example.com", false),
            ("usr_root", "root@example.com", true),
        ] {
            let user = UserRecord {
                user_id: UserId::parse(id.into()).unwrap(),
                username: login.into(),
                password_hash: hash.clone(),
                profile: Profile {
                    name: Some(id.into()),
                    email: Some(login.into()),
                    email_verified: Some(true),
                },
                admin,
            };
            assert!(store.create_user(&user).await.unwrap());
        }
        Self {
            services,
            store,
            key_pem: key.expose_secret().to_owned(),
        }
    }

    /// The same store and signing key under another configuration, as after
    /// a deploy that changed `extra`.
    pub fn reconfigured(&self, extra: &[(&'static str, &str)]) -> Harness {
        Harness {
            services: services(&self.key_pem, extra),
            store: self.store.clone(),
            key_pem: self.key_pem.clone(),
        }
    }

    pub fn authorize(&self) -> Router {
        authorize::router(authorize::AuthorizeState::new(
            self.services.clone(),
            self.store.clone(),
        ))
    }

    pub fn delegation(&self) -> Router {
        delegation::router(delegation::DelegationState::new(
            self.services.clone(),
            self.store.clone(),
        ))
    }

    pub fn revoke(&self) -> Router {
        revoke::router(revoke::RevokeState::new(
            self.services.clone(),
            self.store.clone(),
        ))
    }

    /// Signs `login` in through the authorize handler and returns the redirect.
    pub async fn sign_in(
        &self,
        gateway: Gateway,
        query: &str,
        login: &str,
        password: &str,
    ) -> Reply {
        self.sign_in_from(gateway, query, (login, password), None)
            .await
    }

    /// [`Self::sign_in`] from the source address `address` (the fixture's when `None`).
    pub async fn sign_in_from(
        &self,
        gateway: Gateway,
        query: &str,
        credentials: (&str, &str),
        address: Option<&str>,
    ) -> Reply {
        let from = |call: Call| match address {
            Some(address) => call.sent_from(address),
            None => call,
        };
        self.sign_in_with(gateway, query, credentials, from).await
    }

    /// [`Self::sign_in`], each of its two calls changed by `edit` (its
    /// address, its headers).
    pub async fn sign_in_with(
        &self,
        gateway: Gateway,
        query: &str,
        (login, password): (&str, &str),
        edit: impl Fn(Call) -> Call,
    ) -> Reply {
        let router = self.authorize();
        let page = send(&router, gateway, &edit(Call::get("/authorize", query))).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let fields = page.filled_login_form(login, password);
        let call = Call::post(
            "/authorize",
            "application/x-www-form-urlencoded",
            &form(&fields),
        )
        .header("cookie", &page.cookie());
        send(&router, gateway, &edit(call)).await
    }

    /// The web client's refresh grant (RFC 6749 §6) for `token`, plus `extra` fields.
    pub async fn refresh(&self, token: &str, extra: &[(&str, &str)]) -> Reply {
        self.refresh_as("web", token, extra).await
    }

    /// `client`'s refresh grant (RFC 6749 §6) for `token`, plus `extra` fields.
    pub async fn refresh_as(&self, client: &str, token: &str, extra: &[(&str, &str)]) -> Reply {
        let mut fields = vec![
            ("grant_type", "refresh_token"),
            ("client_id", client),
            ("refresh_token", token),
        ];
        fields.extend_from_slice(extra);
        let call = Call::post(
            "/oauth/token",
            "application/x-www-form-urlencoded",
            &form(&fields),
        );
        send(&self.delegation(), Gateway::HttpApi, &call).await
    }

    /// The fragment of a successful sign-in of Ana on `device` for the web client.
    pub async fn tokens_for(&self, login: &str, device: &str) -> HashMap<String, String> {
        self.tokens_of_client("web", login, device).await
    }

    /// The fragment of a successful implicit sign-in for `client`.
    pub async fn tokens_of_client(
        &self,
        client: &str,
        login: &str,
        device: &str,
    ) -> HashMap<String, String> {
        let query = form(&[
            ("response_type", "token"),
            ("client_id", client),
            ("redirect_uri", CALLBACK),
            ("scope", "openid profile email offline_access"),
            ("device", device),
            ("state", "s1"),
            ("nonce", "n1"),
        ]);
        let reply = self
            .sign_in(Gateway::HttpApi, &query, login, PASSWORD)
            .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        reply.fragment()
    }

    /// An access token for the service's API with `scope`, as `client_credentials` would mint.
    pub fn admin_token(&self, scope: &str) -> String {
        let client = ClientId::parse("admin".into()).unwrap();
        let (token, _) = self
            .services
            .authority
            .signer
            .mint_access_token(
                "admin@clients",
                &client,
                &Scope::parse(scope).unwrap(),
                shared::domain::now(),
            )
            .unwrap();
        token.expose_secret().to_owned()
    }
}
