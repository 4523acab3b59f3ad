//! The seeded demo data of the local server.

use shared::clients::hash_client_secret;
use shared::domain::password::hash_password;
use shared::ids::UserId;
use shared::jwt::Profile;
use shared::secret::{ClientSecret, Password};
use shared::store::{Store, StoreError, UserRecord};

/// The demo user's login.
pub const DEMO_USERNAME: &str = "demo@example.com";
/// The demo user's password.
pub const DEMO_PASSWORD: &str = "demo-password";
/// The demo user's id.
pub const DEMO_USER_ID: &str = "usr_demo";
/// The seeded admin's login (the admin console).
pub const ADMIN_USERNAME: &str = "admin@example.com";
/// The seeded admin's password.
pub const ADMIN_PASSWORD: &str = "admin-password";
/// The seeded admin's id.
pub const ADMIN_USER_ID: &str = "usr_admin";
/// The admin client's secret.
pub const ADMIN_SECRET: &str = "local-admin-secret";

/// The grants of the classic flow (implicit at `/authorize`, `/delegation`)
/// and of today's (the code flow, refreshing); new clients get only the latter.
const CLASSIC_GRANTS: [&str; 4] = [
    "implicit",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "authorization_code",
    "refresh_token",
];

/// The demo clients: a public app that rotates its refresh tokens, a public
/// app that keeps one (as classic SDKs expect), and a confidential admin client.
pub fn clients_json(port: u16) -> String {
    let hosts = [
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}"),
    ];
    let callbacks: Vec<String> = hosts.iter().map(|h| format!("{h}/callback")).collect();
    serde_json::json!([
        {
            "client_id": "local-demo",
            "name": "Local demo app",
            "callbacks": callbacks,
            "post_logout_redirect_uris": callbacks,
            "web_origins": hosts,
            "refresh_tokens": true,
            "grant_types": CLASSIC_GRANTS
        },
        {
            "client_id": "local-classic",
            "name": "Local classic app (no rotation)",
            "callbacks": callbacks,
            "web_origins": hosts,
            "refresh_tokens": true,
            "grant_types": CLASSIC_GRANTS,
            "refresh_token_policy": {"rotate": false}
        },
        {
            "client_id": "local-admin",
            "name": "Local admin",
            "client_secret_hash": hash_client_secret(&ClientSecret::new(ADMIN_SECRET)),
            "grant_types": ["client_credentials"],
            "scopes": ["read:device_credentials", "delete:device_credentials", "create:users"]
        }
    ])
    .to_string()
}

/// Creates the demo user unless it exists; returns whether it was created.
/// It skips the password rules of `users::add` (the demo password is short
/// on purpose), and keeps its fixed id. The demo user is not an admin.
pub async fn demo_user(store: &dyn Store) -> Result<bool, StoreError> {
    seeded_user(
        store,
        (DEMO_USER_ID, DEMO_USERNAME, DEMO_PASSWORD),
        "Demo User",
        false,
    )
    .await
}

/// Creates the seeded admin unless it exists, as [`demo_user`] does.
pub async fn admin_user(store: &dyn Store) -> Result<bool, StoreError> {
    seeded_user(
        store,
        (ADMIN_USER_ID, ADMIN_USERNAME, ADMIN_PASSWORD),
        "Admin",
        true,
    )
    .await
}

async fn seeded_user(
    store: &dyn Store,
    (id, username, password): (&str, &str, &str),
    name: &str,
    admin: bool,
) -> Result<bool, StoreError> {
    if store.find_user(username).await?.is_some() {
        return Ok(false);
    }
    let built = UserId::parse(id.to_owned())
        .ok()
        .zip(hash_password(&Password::new(password)).ok());
    let Some((user_id, password_hash)) = built else {
        return Err(StoreError::Corrupt("a seeded user could not be built"));
    };
    let user = UserRecord {
        user_id,
        username: username.to_owned(),
        password_hash,
        profile: Profile {
            name: Some(name.into()),
            email: Some(username.into()),
            email_verified: Some(true),
        },
        admin,
    };
    store.create_user(&user).await
}
