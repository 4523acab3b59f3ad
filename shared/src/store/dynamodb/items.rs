//! Conversion between store records and DynamoDB items.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::ids::{ClientId, CredentialId, DeviceName, Scope, UserId};
use crate::jwt::Profile;
use crate::refresh_token::TokenHash;
use crate::store::{
    device_sort_key, Account, PasswordHash, RefreshTokenRecord, Seen, StoreError, UserRecord,
};

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The sort key of a login item (partition key `username#<login>`).
pub const LOGIN_SK: &str = "login";
/// The sort key of a user's profile item (partition key: the user id).
pub const PROFILE_SK: &str = "user";

/// The partition key of a login item.
pub fn login_pk(normalized_username: &str) -> String {
    format!("username#{normalized_username}")
}

/// The item that marks a user as existing, in the user's own partition.
pub fn profile_item(user: &UserRecord) -> Item {
    let mut item = Item::from([
        ("pk".into(), s(user.user_id.as_str())),
        ("sk".into(), s(PROFILE_SK)),
        ("kind".into(), s("user")),
        ("username".into(), s(&user.username)),
        ("admin".into(), AttributeValue::Bool(user.admin)),
    ]);
    put_profile(&mut item, &user.profile);
    item
}

/// A profile item as an account.
pub fn account_from_item(item: &Item) -> Result<Account, StoreError> {
    Ok(Account {
        username: get_s(item, "username")?.to_owned(),
        profile: get_profile(item),
        admin: is_admin(item),
    })
}

/// The `admin` attribute; absent (users made before it) is `false`.
fn is_admin(item: &Item) -> bool {
    item.get("admin")
        .and_then(|v| v.as_bool().ok())
        .copied()
        .unwrap_or(false)
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn put_profile(item: &mut Item, profile: &Profile) {
    if let Some(name) = &profile.name {
        item.insert("name".into(), s(name));
    }
    if let Some(email) = &profile.email {
        item.insert("email".into(), s(email));
    }
    if let Some(verified) = profile.email_verified {
        item.insert("email_verified".into(), AttributeValue::Bool(verified));
    }
}

fn get_s<'a>(item: &'a Item, name: &'static str) -> Result<&'a str, StoreError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or(StoreError::Corrupt(name))
}

fn get_n(item: &Item, name: &'static str) -> Result<u64, StoreError> {
    get_n_text(item, name)?
        .parse()
        .map_err(|_| StoreError::Corrupt(name))
}

fn get_n_text<'a>(item: &'a Item, name: &'static str) -> Result<&'a str, StoreError> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .map(String::as_str)
        .ok_or(StoreError::Corrupt(name))
}

pub fn get_profile(item: &Item) -> Profile {
    Profile {
        name: item.get("name").and_then(|v| v.as_s().ok()).cloned(),
        email: item.get("email").and_then(|v| v.as_s().ok()).cloned(),
        email_verified: item
            .get("email_verified")
            .and_then(|v| v.as_bool().ok())
            .copied(),
    }
}

/// A refresh-token record as an item.
pub fn record_to_item(record: &RefreshTokenRecord) -> Item {
    let mut item = Item::from([
        ("pk".into(), s(record.user_id.as_str())),
        (
            "sk".into(),
            s(device_sort_key(&record.client_id, &record.device)),
        ),
        ("kind".into(), s("refresh_token")),
        ("credential_id".into(), s(record.credential_id.as_str())),
        ("client_id".into(), s(record.client_id.as_str())),
        ("device_name".into(), s(record.device.as_str())),
        ("token_hash".into(), b(&record.token_hash)),
        ("scope".into(), s(record.scope.to_string())),
        ("created_at".into(), n(record.created_at)),
        ("last_used_at".into(), n(record.last_used_at)),
        ("expires_at".into(), n(record.expires_at)),
    ]);
    if let Some(prev) = &record.prev_hash {
        item.insert("prev_hash".into(), b(prev));
    }
    if let Some(at) = record.rotated_at {
        item.insert(slot_name(&record.token_hash), n(at));
    }
    if let Some(jkt) = &record.dpop_jkt {
        item.insert("dpop_jkt".into(), s(jkt));
    }
    item.insert("first_seen".into(), record.first_seen.to_attribute());
    item.insert("last_seen".into(), record.last_seen.to_attribute());
    put_profile(&mut item, &record.profile);
    item
}

/// The attribute that holds when the token with this hash became current
/// (`docs/design/refresh-rotation.md`).
pub fn slot_name(hash: &TokenHash) -> String {
    format!("rot_{}", hash.slot_tag())
}

/// A token hash as a binary attribute.
pub fn b(hash: &TokenHash) -> AttributeValue {
    AttributeValue::B(hash.as_bytes().to_vec().into())
}

fn get_hash(item: &Item, name: &'static str) -> Result<Option<TokenHash>, StoreError> {
    match item.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_b()
            .ok()
            .and_then(|b| TokenHash::from_bytes(b.as_ref()))
            .map(Some)
            .ok_or(StoreError::Corrupt(name)),
    }
}

/// An item as a refresh-token record.
pub fn record_from_item(item: &Item) -> Result<RefreshTokenRecord, StoreError> {
    let hash = get_hash(item, "token_hash")?.ok_or(StoreError::Corrupt("token_hash"))?;
    let rotated_at = match item.get(&slot_name(&hash)) {
        Some(value) => Some(
            value
                .as_n()
                .ok()
                .and_then(|v| v.parse().ok())
                .ok_or(StoreError::Corrupt("rot_"))?,
        ),
        None => None,
    };
    Ok(RefreshTokenRecord {
        user_id: UserId::parse(get_s(item, "pk")?.to_owned())
            .map_err(|_| StoreError::Corrupt("pk"))?,
        client_id: ClientId::parse(get_s(item, "client_id")?.to_owned())
            .map_err(|_| StoreError::Corrupt("client_id"))?,
        device: DeviceName::parse(get_s(item, "device_name")?.to_owned())
            .map_err(|_| StoreError::Corrupt("device_name"))?,
        credential_id: CredentialId::parse(get_s(item, "credential_id")?.to_owned())
            .map_err(|_| StoreError::Corrupt("credential_id"))?,
        token_hash: hash,
        prev_hash: get_hash(item, "prev_hash")?,
        rotated_at,
        scope: Scope::parse(get_s(item, "scope")?).map_err(|_| StoreError::Corrupt("scope"))?,
        created_at: get_n(item, "created_at")?,
        last_used_at: get_n(item, "last_used_at")?,
        expires_at: get_n(item, "expires_at")?,
        profile: get_profile(item),
        dpop_jkt: item.get("dpop_jkt").and_then(|v| v.as_s().ok()).cloned(),
        first_seen: Seen::from_attribute(item.get("first_seen")),
        last_seen: Seen::from_attribute(item.get("last_seen")),
    })
}

/// A user's login item, which holds the password hash.
pub fn user_to_item(user: &UserRecord) -> Item {
    let mut item = Item::from([
        (
            "pk".into(),
            s(login_pk(&crate::store::normalize_username(&user.username))),
        ),
        ("sk".into(), s(LOGIN_SK)),
        ("kind".into(), s("login")),
        ("user_id".into(), s(user.user_id.as_str())),
        ("username".into(), s(&user.username)),
        (
            "password_hash".into(),
            s(user.password_hash.expose_secret()),
        ),
        ("admin".into(), AttributeValue::Bool(user.admin)),
    ]);
    put_profile(&mut item, &user.profile);
    item
}

/// An item as a user.
pub fn user_from_item(item: &Item) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        user_id: UserId::parse(get_s(item, "user_id")?.to_owned())
            .map_err(|_| StoreError::Corrupt("user_id"))?,
        username: get_s(item, "username")?.to_owned(),
        password_hash: PasswordHash::new(get_s(item, "password_hash")?.to_owned()),
        profile: get_profile(item),
        admin: is_admin(item),
    })
}
