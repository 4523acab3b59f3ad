//! Authorization codes in the table: `pk = code#<hex hash>`, `sk = code`, the
//! grant as a JSON attribute, its binding (`client_id`, `redirect_uri`,
//! `code_challenge`) as attributes the use's condition checks, and
//! `expires_at` as the TTL.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::items::Item;
use super::{conditional, DynamoStore};
use crate::refresh_token::TokenHash;
use crate::store::{CodeBinding, CodeRecord, Codes, StoreError};

const CODE_SK: &str = "code";

fn code_key(hash: &TokenHash) -> [(String, AttributeValue); 2] {
    let hex: String = hash.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    DynamoStore::key(format!("code#{hex}"), CODE_SK.to_owned())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn number(item: &Item, name: &'static str) -> Result<Option<u64>, StoreError> {
    item.get(name)
        .map(|v| {
            v.as_n()
                .ok()
                .and_then(|n| n.parse().ok())
                .ok_or(StoreError::Corrupt(name))
        })
        .transpose()
}

fn code_from_item(hash: &TokenHash, item: &Item) -> Result<CodeRecord, StoreError> {
    let grant = item
        .get("grant")
        .and_then(|v| v.as_s().ok())
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or(StoreError::Corrupt("grant"))?;
    Ok(CodeRecord {
        code_hash: hash.clone(),
        grant,
        expires_at: number(item, "expires_at")?.ok_or(StoreError::Corrupt("expires_at"))?,
        used_at: number(item, "used_at")?,
        used_by: item.get("used_by").and_then(|v| v.as_s().ok()).cloned(),
    })
}

#[async_trait]
impl Codes for DynamoStore {
    async fn put_code(&self, code: &CodeRecord) -> Result<(), StoreError> {
        let grant = serde_json::to_string(&code.grant).map_err(|_| StoreError::Corrupt("grant"))?;
        let mut item = Item::from(code_key(&code.code_hash));
        item.insert("kind".into(), AttributeValue::S("code".into()));
        item.insert("grant".into(), AttributeValue::S(grant));
        item.insert("expires_at".into(), n(code.expires_at));
        let bound = &code.grant;
        item.insert(
            "client_id".into(),
            AttributeValue::S(bound.client_id.to_string()),
        );
        item.insert(
            "redirect_uri".into(),
            AttributeValue::S(bound.redirect_uri.clone()),
        );
        if let Some(challenge) = &bound.code_challenge {
            item.insert(
                "code_challenge".into(),
                AttributeValue::S(challenge.clone()),
            );
        }
        self.put(item).await
    }

    async fn consume_code(
        &self,
        code_hash: &TokenHash,
        binding: &CodeBinding,
        now: u64,
    ) -> Result<Option<CodeRecord>, StoreError> {
        let [pk, sk] = code_key(code_hash);
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(pk.0, pk.1)
            .key(sk.0, sk.1)
            .update_expression("SET used_at = :now, used_by = :request")
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":request", AttributeValue::S(binding.request_id.clone()))
            .expression_attribute_values(
                ":client",
                AttributeValue::S(binding.client_id.to_string()),
            )
            .expression_attribute_values(
                ":redirect",
                AttributeValue::S(binding.redirect_uri.clone()),
            )
            .return_values(ReturnValue::AllNew);
        let unused =
            "attribute_exists(pk) AND (attribute_not_exists(used_at) OR used_by = :request) \
             AND expires_at >= :now AND client_id = :client AND redirect_uri = :redirect";
        let update = match &binding.code_challenge {
            Some(challenge) => update
                .condition_expression(format!("{unused} AND code_challenge = :challenge"))
                .expression_attribute_values(":challenge", AttributeValue::S(challenge.clone())),
            None => update
                .condition_expression(format!("{unused} AND attribute_not_exists(code_challenge)")),
        };
        let result = update.send().await;
        match conditional(result)? {
            Some(output) => output
                .attributes
                .as_ref()
                .map(|item| code_from_item(code_hash, item))
                .transpose(),
            None => Ok(None),
        }
    }

    async fn find_code(&self, code_hash: &TokenHash) -> Result<Option<CodeRecord>, StoreError> {
        let item = self.get_item(code_key(code_hash)).await?;
        item.as_ref()
            .map(|item| code_from_item(code_hash, item))
            .transpose()
    }
}
