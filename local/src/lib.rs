//! The local server: merges the three functions' routers, exactly as they run
//! on Lambda, and fills in zero-setup defaults (seeded clients and user, a
//! generated signing keys, the in-memory store).

mod callback;
mod keys;
mod seed;
pub mod users;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use shared::app::Services;
use shared::config::Config;
use shared::http::{authorize, delegation, finish_api_router, revoke};
use shared::store::dynamodb::{DynamoSettings, DynamoStore};
use shared::store::memory::MemoryStore;
use shared::store::{Store, StoreError};

/// Why the local server could not start: one line that names the variable,
/// what is wrong with its value, and how to fix it.
pub type StartupError = Box<dyn std::error::Error + Send + Sync>;

pub use seed::{
    ADMIN_PASSWORD, ADMIN_SECRET, ADMIN_USERNAME, ADMIN_USER_ID, DEMO_PASSWORD, DEMO_USERNAME,
    DEMO_USER_ID,
};

/// The built local application.
pub struct LocalApp {
    /// Every route of the three functions, plus `/callback`.
    pub router: Router,
    /// The store the routes use.
    pub store: Arc<dyn Store>,
    /// The issuer (public base URL).
    pub issuer: String,
    /// What was filled in by default, to tell the person running it.
    pub notes: Vec<String>,
}

/// Builds the app from variables (the environment, or a map in tests).
/// Missing `ISSUER`, `CLIENTS_JSON` and `SIGNING_KEY_PEM` get local defaults.
pub async fn build(
    lookup: impl Fn(&str) -> Option<String>,
    port: u16,
) -> Result<LocalApp, StartupError> {
    let mut notes = Vec::new();
    let issuer = lookup("ISSUER").unwrap_or_else(|| format!("http://127.0.0.1:{port}/"));
    let clients = match (lookup("CLIENTS_JSON"), lookup("CLIENTS_FILE")) {
        (Some(json), _) => json,
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map_err(|e| format!("CLIENTS_FILE {path} can't be read ({e}); name a JSON file"))?,
        (None, None) => {
            notes.push(
                "seeded clients local-demo, local-classic and local-admin (no CLIENTS_JSON or CLIENTS_FILE)"
                    .into(),
            );
            seed::clients_json(port)
        }
    };
    let keys = keys::load(&lookup, &mut notes)?;
    if lookup("REFRESH_TOKEN_KEYS").is_none() {
        notes.push(
            "generated a refresh-token key for this run (no REFRESH_TOKEN_KEYS): \
             its tokens stop working when the server stops"
                .into(),
        );
    }
    let config = Config::from_lookup(|name| match name {
        "ISSUER" => Some(issuer.clone()),
        "CLIENTS_JSON" => Some(clients.clone()),
        "SIGNING_KEY_PEM" => Some(keys.main.clone()),
        "RS256_SIGNING_KEY_PEM" => keys.rs256.clone(),
        other => lookup(other),
    })?;
    let store: Arc<dyn Store> = match &config.dynamodb {
        Some(settings) => {
            let dynamo = DynamoStore::connect(settings).await;
            if lookup("CREATE_TABLE").is_some_and(|v| v == "true" || v == "1") {
                dynamo
                    .create_table_if_missing()
                    .await
                    .map_err(|e| unreachable_table(settings, e))?;
            }
            notes.push(format!("store: DynamoDB table {}", settings.table_name));
            Arc::new(dynamo)
        }
        None => {
            notes.push(
                "store: in memory (set TABLE_NAME and DYNAMODB_ENDPOINT_URL for DynamoDB)".into(),
            );
            Arc::new(MemoryStore::new())
        }
    };
    if lookup("SEED_DEMO_USER").is_none_or(|v| v != "false") {
        let seeded = seed::demo_user(store.as_ref())
            .await
            .map_err(|e| match &config.dynamodb {
                Some(settings) => unreachable_table(settings, e),
                None => e.to_string().into(),
            })?;
        if seeded {
            notes.push(format!("seeded user {DEMO_USERNAME} / {DEMO_PASSWORD}"));
        }
        let admin = seed::admin_user(store.as_ref())
            .await
            .map_err(|e| e.to_string())?;
        if admin {
            notes.push(format!(
                "seeded admin {ADMIN_USERNAME} / {ADMIN_PASSWORD} (the admin console at /admin)"
            ));
        }
    }
    let services = Arc::new(Services::from_config(&config)?.with_event_bus(&lookup));
    Ok(LocalApp {
        router: router(services, store.clone()),
        store,
        issuer: config.issuer,
        notes,
    })
}

/// The one-line answer when the table can't be used: where the server looked,
/// and which variables to set.
fn unreachable_table(settings: &DynamoSettings, err: StoreError) -> StartupError {
    let place = settings
        .endpoint_url
        .as_deref()
        .unwrap_or("AWS (no DYNAMODB_ENDPOINT_URL)");
    let cause = match &err {
        StoreError::Unavailable(text) => last_cause(text),
        StoreError::Corrupt(what) => format!("a stored item is malformed: {what}"),
    };
    format!(
        "TABLE_NAME {} at {place} can't be used ({cause}); start DynamoDB there \
         (CREATE_TABLE=true creates the table), set DYNAMODB_ENDPOINT_URL to where it runs, \
         or unset TABLE_NAME for the in-memory store",
        settings.table_name
    )
    .into()
}

/// The gist of an SDK error's text, short enough for one line: the AWS
/// error code when there is one, or what the connection did.
fn last_cause(text: &str) -> String {
    let code = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|word| word.ends_with("Exception") && word.len() > "Exception".len());
    if let Some(code) = code {
        return code.to_owned();
    }
    let lower = text.to_ascii_lowercase();
    let known = [
        "connection refused",
        "timed out",
        "dns error",
        "connection reset",
    ];
    match known.iter().find(|phrase| lower.contains(*phrase)) {
        Some(phrase) => (*phrase).to_owned(),
        None => text.chars().take(80).collect(),
    }
}

/// All routes of the three functions, merged, plus the demo `/callback` page.
pub fn router(services: Arc<Services>, store: Arc<dyn Store>) -> Router {
    let authorize = authorize::routes(authorize::AuthorizeState::new(
        services.clone(),
        store.clone(),
    ));
    let delegation = delegation::routes(delegation::DelegationState::new(
        services.clone(),
        store.clone(),
    ));
    let revoke = revoke::routes(revoke::RevokeState::new(services, store));
    let routes = Router::new()
        .route("/callback", get(callback::callback_page))
        .merge(authorize)
        .merge(delegation)
        .merge(revoke);
    finish_api_router(routes)
}
