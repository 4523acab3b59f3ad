//! The error mapping: statuses, challenges and hidden causes.

use super::*;

#[test]
fn invalid_client_answers_401_with_a_basic_challenge() {
    let response = OAuthError::InvalidClient("unknown client".into()).into_response();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
}

#[test]
fn server_errors_hide_their_cause() {
    let err = OAuthError::ServerError(Fault::Invariant("key parse failed at byte 7"));
    assert!(!err.description().contains("byte 7"));
    assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn an_unreachable_store_is_503_with_retry_after_and_a_corrupt_item_is_500() {
    let down = OAuthError::from(StoreError::Unavailable("connection refused".into()));
    let response = down.into_response();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let corrupt = OAuthError::from(StoreError::Corrupt("token_hash"));
    assert_eq!(corrupt.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!corrupt.description().contains("token_hash"));
}

#[test]
fn a_server_error_keeps_its_cause_for_the_log() {
    let err = OAuthError::from(StoreError::Corrupt("token_hash"));
    let cause = std::error::Error::source(&err).map(ToString::to_string);
    assert_eq!(cause.as_deref(), Some("a stored item is malformed"));
    assert_eq!(
        Causes(&Fault::Store(StoreError::Corrupt("token_hash"))).to_string(),
        "stored item is malformed: token_hash"
    );
}

#[test]
fn insufficient_scope_is_403_and_names_the_scope() {
    let err = OAuthError::InsufficientScope("read:device_credentials");
    assert_eq!(err.status(), StatusCode::FORBIDDEN);
    assert!(err.challenges()[0].contains("read:device_credentials"));
}

#[test]
fn use_dpop_nonce_gives_the_nonce_and_a_dpop_refusal_the_dpop_challenge() {
    let response = OAuthError::UseDpopNonce("n-1".into()).into_response();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()[DPOP_NONCE], "n-1");

    let err = OAuthError::UseDpopNonce("n-2".into()).under_dpop_scheme();
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
    let response = err.into_response();
    assert_eq!(response.headers()[DPOP_NONCE], "n-2");
    let challenge = response.headers()[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap();
    assert!(challenge.starts_with("DPoP ") && challenge.contains("error=\"use_dpop_nonce\""));

    // Errors that are not about the token keep their own answer.
    let other = OAuthError::NotFound("x".into()).under_dpop_scheme();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    assert!(other.challenges().is_empty());
}
