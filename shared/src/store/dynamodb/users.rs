//! The user directory in the table: a login item (`pk = username#<login>`,
//! `sk = login`) with the password hash, and a profile item in the user's own
//! partition (`sk = user`).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{self, user_from_item, user_to_item};
use super::{conditional, DynamoStore};
use crate::ids::UserId;

use crate::store::{normalize_username, Account, StoreError, UserRecord, Users};

#[async_trait]
impl Users for DynamoStore {
    async fn find_user(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let key = Self::key(
            items::login_pk(&normalize_username(username)),
            items::LOGIN_SK.to_owned(),
        );
        let item = self.get_item(key).await?;
        item.as_ref().map(user_from_item).transpose()
    }

    async fn find_account(&self, user_id: &UserId) -> Result<Option<Account>, StoreError> {
        let key = Self::key(user_id.to_string(), items::PROFILE_SK.to_owned());
        self.get_item(key)
            .await?
            .as_ref()
            .map(items::account_from_item)
            .transpose()
    }

    async fn create_user(&self, user: &UserRecord) -> Result<bool, StoreError> {
        // The profile first (its id is new), then the login item only if the
        // login name is free. A taken name leaves an orphan profile, removed here.
        self.put(items::profile_item(user)).await?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(user_to_item(user)))
            // A free login, or one this same write already took (its new user
            // id): the SDK's retry after a late answer is not a conflict.
            .condition_expression("attribute_not_exists(pk) OR user_id = :id")
            .expression_attribute_values(":id", AttributeValue::S(user.user_id.to_string()))
            .send()
            .await;
        if conditional(result)?.is_some() {
            return Ok(true);
        }
        let profile = Self::key(user.user_id.to_string(), items::PROFILE_SK.to_owned());
        self.delete(profile).await?;
        Ok(false)
    }
}
