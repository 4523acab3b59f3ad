//! Creating users of the built-in directory (`POST /api/users`): a strong
//! password, hashed with argon2id, and a login name nobody else has.

use serde::{Deserialize, Serialize};

use crate::domain::password::hash_bounded;
use crate::domain::random_hex;
use crate::error::{Fault, OAuthError};
use crate::ids::UserId;
use crate::jwt::{AccessTokenClaims, Profile};
use crate::secret::Password;
use crate::store::{normalize_username, UserRecord, Users};

/// The scope that lets a caller create users.
pub const CREATE_SCOPE: &str = "create:users";
/// The shortest password accepted (NIST SP 800-63B §5.1.1.2 asks for at least 8).
const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted, to bound the hashing work.
const MAX_PASSWORD_CHARS: usize = 256;
/// Passwords that are long enough but among the first any attacker tries.
const COMMON: [&str; 8] = [
    "password12",
    "password123",
    "1234567890",
    "qwertyuiop",
    "iloveyou12",
    "letmein123",
    "0123456789",
    "abcdefghij",
];

/// The body of `POST /api/users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// The login name: an email address.
    pub email: String,
    /// The password; never logged or echoed.
    pub password: Password,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether the email address is known to be verified.
    #[serde(default)]
    pub email_verified: Option<bool>,
}

/// The created user, as answered (never the password or its hash).
#[derive(Debug, Serialize)]
pub struct CreatedUser {
    /// The new user id.
    pub user_id: String,
    /// The login name.
    pub email: String,
    /// Full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn check_email(email: &str) -> Result<(), OAuthError> {
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if valid {
        Ok(())
    } else {
        Err(OAuthError::InvalidRequest(
            "email must be an email address.".into(),
        ))
    }
}

/// Why a password is refused, if it is.
pub fn password_weakness(password: &str, email: &str) -> Option<&'static str> {
    let chars = password.chars().count();
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    let distinct: std::collections::BTreeSet<char> = password.chars().collect();
    if chars < MIN_PASSWORD_CHARS {
        Some("The password must have at least 10 characters.")
    } else if chars > MAX_PASSWORD_CHARS {
        Some("The password must have at most 256 characters.")
    } else if distinct.len() < 5 || COMMON.contains(&lower.as_str()) {
        Some("The password is too easy to guess.")
    } else if local.chars().count() >= 3 && lower.contains(local) {
        Some("The password must not contain the email address.")
    } else {
        None
    }
}

/// `POST /api/users`: a caller with `create:users` creates a user.
pub async fn create(
    users: &dyn Users,
    caller: &AccessTokenClaims,
    new: NewUser,
) -> Result<CreatedUser, OAuthError> {
    if !caller.has_scope(CREATE_SCOPE) {
        return Err(OAuthError::InsufficientScope(CREATE_SCOPE));
    }
    let created = add(users, new, Role::User).await?;
    tracing::info!(user_id = %created.user_id, client_id = %caller.client_id, "user created");
    Ok(created)
}

/// What a new user may do: the API makes users only; `add-user --admin`,
/// which needs write access to the table, makes admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A user of the account page.
    User,
    /// A user of the admin console too.
    Admin,
}

/// Adds a user after checking the email, the password rules and the name;
/// `409 conflict` when the login name is taken. The one path every new user
/// takes (the API, and the local server's `add-user` command).
pub async fn add(users: &dyn Users, new: NewUser, role: Role) -> Result<CreatedUser, OAuthError> {
    let email = normalize_username(&new.email);
    check_email(&email)?;
    if let Some(problem) = password_weakness(new.password.expose_secret(), &email) {
        return Err(OAuthError::InvalidRequest(problem.into()));
    }
    if new.name.as_ref().is_some_and(|n| n.chars().count() > 256) {
        return Err(OAuthError::InvalidRequest("name is too long.".into()));
    }
    let password = new.password;
    let password_hash = hash_bounded(password).await?;
    let user = UserRecord {
        user_id: UserId::parse(format!("usr_{}", random_hex(12)?))
            .map_err(|_| Fault::Invariant("a new user id did not parse"))?,
        username: email.clone(),
        password_hash,
        profile: Profile {
            name: new.name.clone(),
            email: Some(email.clone()),
            email_verified: new.email_verified,
        },
        admin: role == Role::Admin,
    };
    if !users.create_user(&user).await? {
        return Err(OAuthError::Conflict(
            "A user with this email already exists.".into(),
        ));
    }
    Ok(CreatedUser {
        user_id: user.user_id.to_string(),
        email,
        name: new.name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_named() {
        let email = "ana.maria@example.com";
        assert!(password_weakness("short", email).is_some());
        assert!(password_weakness("aaaaaaaaaaaa", email).is_some());
        assert!(password_weakness("Password123", email).is_some());
        assert!(password_weakness("xx-ana.maria-xx", email).is_some());
        assert!(password_weakness("correct horse battery", email).is_none());
    }
}
