//! `cargo run -p local-api -- add-user <email> [name]`: adds a user to the built-in
//! directory in DynamoDB, with the password read from standard input and
//! stored only as an argon2id hash.

use std::io::BufRead;

use shared::domain::password::hash_password;
use shared::domain::random_hex;
use shared::ids::UserId;
use shared::jwt::Profile;
use shared::secret::Password;
use shared::store::dynamodb::{DynamoSettings, DynamoStore};
use shared::store::{Store, UserRecord};

use crate::StartupError;

/// The shortest password accepted (NIST SP 800-63B §5.1.1.2).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Adds a user; refuses a login that exists or a password that is too short.
pub async fn add_user(
    store: &dyn Store,
    email: &str,
    name: Option<&str>,
    password: Password,
) -> Result<UserId, StartupError> {
    if !email.contains('@') || email.chars().any(char::is_control) || email.len() > 254 {
        return Err(format!("{email:?} is not an email address").into());
    }
    if password.expose_secret().chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("the password needs at least {MIN_PASSWORD_CHARS} characters").into());
    }
    if store.find_user(email).await?.is_some() {
        return Err(format!("a user with the login {email} exists already").into());
    }
    let user = UserRecord {
        user_id: UserId::parse(format!("usr_{}", random_hex(12)?))?,
        username: email.trim().to_owned(),
        password_hash: hash_password(&password)?,
        profile: Profile {
            name: name.map(str::to_owned),
            email: Some(email.trim().to_owned()),
            email_verified: Some(false),
        },
    };
    store.put_user(&user).await?;
    Ok(user.user_id)
}

/// The `add-user` command: `TABLE_NAME` (and `DYNAMODB_ENDPOINT_URL`) say where.
pub async fn add_user_command(args: &[String]) -> Result<(), StartupError> {
    let (Some(email), name) = (args.first(), args.get(1)) else {
        return Err(
            "usage: local-api add-user <email> [name]  (password on standard input)".into(),
        );
    };
    let table_name = std::env::var("TABLE_NAME").map_err(|_| "add-user needs TABLE_NAME")?;
    let endpoint_url = std::env::var("DYNAMODB_ENDPOINT_URL")
        .ok()
        .filter(|v| !v.is_empty());
    let store = DynamoStore::connect(&DynamoSettings {
        table_name,
        endpoint_url,
    })
    .await;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = Password::new(line.trim_end_matches(['\r', '\n']));
    let user_id = add_user(&store, email, name.map(String::as_str), password).await?;
    println!("{user_id}");
    Ok(())
}
