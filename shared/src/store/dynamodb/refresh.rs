//! The refresh as one conditional `UpdateItem`: the DynamoDB form of
//! `store::rotation` (`docs/design/refresh-rotation.md`).

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::items::{b, record_from_item, record_to_item, slot_name};
use super::{conditional, DynamoStore};
use crate::ids::{ClientId, UserId};
use crate::refresh_token::RefreshToken;
use crate::store::{
    device_sort_key, RefreshAttempt, RefreshTokenRecord, SessionRef, Sessions, StoreError,
    DEVICE_KEY_PREFIX,
};

/// Both lifetimes, as a condition.
const ALIVE: &str = "created_at >= :created_cutoff AND last_used_at >= :idle_cutoff";

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

#[async_trait]
impl Sessions for DynamoStore {
    async fn put_refresh_token(&self, record: &RefreshTokenRecord) -> Result<(), StoreError> {
        self.put(record_to_item(record)).await
    }

    async fn client_sessions(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
    ) -> Result<Vec<RefreshTokenRecord>, StoreError> {
        let prefix = format!("{DEVICE_KEY_PREFIX}{client_id}#");
        Ok(self.query_records(user_id, &prefix).await?.0)
    }

    async fn refresh(
        &self,
        attempt: &RefreshAttempt<'_>,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        let [pk, sk] = Self::token_key(attempt.token);
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(pk.0, pk.1)
            .key(sk.0, sk.1)
            .expression_attribute_values(":presented", Self::hash_value(attempt.token))
            .expression_attribute_values(":now", n(attempt.now))
            .expression_attribute_values(":seen", attempt.seen.to_attribute())
            .expression_attribute_values(":exp", n(attempt.expires_at()))
            .expression_attribute_values(":created_cutoff", n(attempt.created_cutoff()))
            .expression_attribute_values(":idle_cutoff", n(attempt.idle_cutoff()))
            .return_values(ReturnValue::AllNew);
        // The scope a narrowing request allows: `scope IN (:scope0, …)`.
        let (update, scope) = match &attempt.scope_one_of {
            None => (update, String::new()),
            Some(allowed) => {
                let names: Vec<String> = (0..allowed.len()).map(|i| format!(":scope{i}")).collect();
                let update = names.iter().zip(allowed).fold(
                    update.expression_attribute_names("#scope", "scope"),
                    |update, (name, scope)| {
                        update
                            .expression_attribute_values(name, AttributeValue::S(scope.to_string()))
                    },
                );
                (update, format!(" AND #scope IN ({})", names.join(", ")))
            }
        };
        let (update, proof, proof_set) = with_proof(update, attempt);
        let scope = format!("{scope}{proof}");
        let update = match &attempt.successor {
            None => update
                .condition_expression(format!("token_hash = :presented AND {ALIVE}{scope}"))
                .update_expression(format!(
                    "SET last_used_at = :now, last_seen = :seen, expires_at = :exp{proof_set}"
                )),
            Some(next) => update
                .condition_expression(format!(
                    "(token_hash = :presented OR (prev_hash = :presented AND token_hash = :next \
                     AND #next_slot >= :leeway_cutoff)) AND {ALIVE}{scope}"
                ))
                .update_expression(format!(
                    "SET token_hash = :next, prev_hash = :presented, last_used_at = :now, \
                     last_seen = :seen, expires_at = :exp, #next_slot = if_not_exists(#next_slot, :now){proof_set} \
                     REMOVE #prev_slot"
                ))
                .expression_attribute_names("#next_slot", slot_name(next))
                .expression_attribute_names("#prev_slot", slot_name(&attempt.token.hash))
                .expression_attribute_values(":next", b(next))
                .expression_attribute_values(":leeway_cutoff", n(attempt.leeway_cutoff())),
        };
        match conditional(update.send().await)? {
            Some(output) => output.attributes.as_ref().map(record_from_item).transpose(),
            None => Ok(None),
        }
    }

    async fn find_session(
        &self,
        token: &RefreshToken,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        let item = self.get_item(Self::token_key(token)).await?;
        item.as_ref().map(record_from_item).transpose()
    }

    async fn end_session(&self, session: SessionRef<'_>) -> Result<bool, StoreError> {
        self.delete_credential(
            session.user_id,
            device_sort_key(session.client_id, session.device),
            session.credential_id,
        )
        .await
    }
}

/// The DPoP part of the refresh write (RFC 9449): a bound session needs a
/// proof by its key whose `jti` is not the last one used, unless this same
/// request used it (the SDK retrying the write); the write records the
/// proof's `jti` and request. Returns the update, the condition's clause
/// and the update's clause.
fn with_proof(
    update: UpdateItemFluentBuilder,
    attempt: &RefreshAttempt<'_>,
) -> (UpdateItemFluentBuilder, String, String) {
    match &attempt.proof {
        None => (
            update,
            " AND attribute_not_exists(dpop_jkt)".into(),
            String::new(),
        ),
        Some(proof) => (
            update
                .expression_attribute_values(":jkt", AttributeValue::S(proof.jkt.clone()))
                .expression_attribute_values(":jti", AttributeValue::S(proof.jti.clone()))
                .expression_attribute_values(
                    ":request",
                    AttributeValue::S(proof.request_id.clone()),
                ),
            " AND (attribute_not_exists(dpop_jkt) OR (dpop_jkt = :jkt AND \
             (attribute_not_exists(dpop_jti) OR dpop_jti <> :jti OR dpop_request = :request)))"
                .into(),
            ", dpop_jti = :jti, dpop_request = :request".into(),
        ),
    }
}
