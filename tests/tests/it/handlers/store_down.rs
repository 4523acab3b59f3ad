//! When the store can't be reached: `503 temporarily_unavailable` with
//! `Retry-After`, an HTML page in the browser flow, and never a redirect
//! carrying a refresh token whose record was not written.

use std::sync::Arc;

use async_trait::async_trait;
use shared::http::{authorize, delegation};
use shared::ids::{ClientId, CredentialId, UserId};
use shared::refresh_token::RefreshToken;
use shared::store::{
    DeviceCredentials, RefreshAttempt, RefreshTokenIssuer, RefreshTokenRecord,
    RefreshTokenRedeemer, SessionRef, StoreError,
};

use super::harness::{form, send, Call, Gateway, Harness, CALLBACK, PASSWORD};

/// A store whose every call fails as an unreachable DynamoDB does.
struct UnreachableStore;

fn down() -> StoreError {
    StoreError::Unavailable("connection refused".into())
}

#[async_trait]
impl RefreshTokenIssuer for UnreachableStore {
    async fn put_refresh_token(&self, _: &RefreshTokenRecord) -> Result<(), StoreError> {
        Err(down())
    }
    async fn client_sessions(
        &self,
        _: &UserId,
        _: &ClientId,
    ) -> Result<Vec<RefreshTokenRecord>, StoreError> {
        Err(down())
    }
    async fn evict_session(&self, _: SessionRef<'_>) -> Result<bool, StoreError> {
        Err(down())
    }
}

#[async_trait]
impl RefreshTokenRedeemer for UnreachableStore {
    async fn refresh(
        &self,
        _: &RefreshAttempt<'_>,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        Err(down())
    }
    async fn find_session(
        &self,
        _: &RefreshToken,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        Err(down())
    }
    async fn end_session(&self, _: SessionRef<'_>) -> Result<bool, StoreError> {
        Err(down())
    }
}

#[async_trait]
impl DeviceCredentials for UnreachableStore {
    async fn list_credentials(
        &self,
        _: &UserId,
    ) -> Result<Option<Vec<RefreshTokenRecord>>, StoreError> {
        Err(down())
    }
    async fn revoke_token(&self, _: &RefreshToken) -> Result<bool, StoreError> {
        Err(down())
    }
    async fn revoke_credential(&self, _: &UserId, _: &CredentialId) -> Result<bool, StoreError> {
        Err(down())
    }
    async fn find_credential(
        &self,
        _: &CredentialId,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        Err(down())
    }
    async fn revoke_all(&self, _: &UserId) -> Result<usize, StoreError> {
        Err(down())
    }
}

#[tokio::test]
async fn a_failed_record_write_shows_an_error_page_instead_of_redirecting() {
    let harness = Harness::new().await;
    let router = authorize::router(authorize::AuthorizeState {
        services: harness.services.clone(),
        users: harness.store.clone(),
        tokens: Arc::new(UnreachableStore),
        codes: harness.store.clone(),
    });
    let query = form(&[
        ("response_type", "token"),
        ("client_id", "web"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid offline_access"),
        ("device", "phone"),
    ]);
    let page = send(&router, Gateway::HttpApi, &Call::get("/authorize", &query)).await;
    let fields = page.filled_login_form("ana@example.com", PASSWORD);
    let call = Call::post(
        "/authorize",
        "application/x-www-form-urlencoded",
        &form(&fields),
    )
    .header("cookie", &page.cookie());
    let reply = send(&router, Gateway::HttpApi, &call).await;
    assert_eq!(reply.status, 503);
    assert!(reply.header("location").is_none());
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(reply.header("retry-after").is_some());
    assert!(reply.body.contains("temporarily_unavailable"));
    assert!(
        !reply.body.contains("connection refused"),
        "the cause stays in the log"
    );
}

#[tokio::test]
async fn delegation_answers_503_json_when_the_store_is_unreachable() {
    let harness = Harness::new().await;
    let refresh = harness.tokens_for("ana@example.com", "phone").await["refresh_token"].clone();
    let router = delegation::router(delegation::DelegationState {
        services: harness.services.clone(),
        tokens: Arc::new(UnreachableStore),
        issuer: Arc::new(UnreachableStore),
        codes: harness.store.clone(),
    });
    let body = serde_json::json!({
        "client_id": "web",
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "refresh_token": refresh,
    });
    let reply = send(
        &router,
        Gateway::Rest,
        &Call::post("/delegation", "application/json", &body.to_string()),
    )
    .await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.json()["error"], "temporarily_unavailable");
    assert!(reply.header("retry-after").is_some());
}
