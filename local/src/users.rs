//! `cargo run -p local-api -- add-user [--admin] <email> [name]`: adds a
//! user to the built-in directory in DynamoDB, with the password read from
//! standard input. It runs the same rules as `POST /api/users`
//! (`shared::domain::users::add`); `--admin` grants the admin console, which
//! the API can't.

use std::io::BufRead;

use shared::domain::users::{self, NewUser, Role};
use shared::secret::Password;
use shared::store::dynamodb::{DynamoSettings, DynamoStore};
use shared::store::Users;

use crate::StartupError;

/// Adds a user by the rules of `POST /api/users`; returns the new user id.
pub async fn add_user(
    store: &dyn Users,
    email: &str,
    name: Option<&str>,
    password: Password,
    role: Role,
) -> Result<String, StartupError> {
    let new = NewUser {
        email: email.to_owned(),
        password,
        name: name.map(str::to_owned),
        email_verified: Some(false),
    };
    let created = users::add(store, new, role)
        .await
        .map_err(|e| format!("add-user: {}", e.description()))?;
    Ok(created.user_id)
}

/// The `add-user` command: `TABLE_NAME` (and `DYNAMODB_ENDPOINT_URL`) say where.
pub async fn add_user_command(args: &[String]) -> Result<(), StartupError> {
    let (role, args) = match args.split_first() {
        Some((flag, rest)) if flag == "--admin" => (Role::Admin, rest),
        _ => (Role::User, args),
    };
    let (Some(email), name, None) = (args.first(), args.get(1), args.get(2)) else {
        return Err(
            "usage: local-api add-user [--admin] <email> [name]  (password on standard input)"
                .into(),
        );
    };
    let table_name = std::env::var("TABLE_NAME")
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or("TABLE_NAME is not set; add-user writes to DynamoDB: set TABLE_NAME (and DYNAMODB_ENDPOINT_URL for a local one)")?;
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
    let user_id = add_user(&store, email, name.map(String::as_str), password, role).await?;
    println!("{user_id}");
    Ok(())
}
