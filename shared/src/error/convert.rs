//! The conversions into the error type: a store that can't be reached is
//! `503`, a malformed item or a failed signature is a fault of ours (`500`).

use super::{Fault, OAuthError};
use crate::jwt::JwtError;
use crate::store::StoreError;

impl From<Fault> for OAuthError {
    fn from(fault: Fault) -> Self {
        Self::ServerError(fault)
    }
}

impl From<StoreError> for OAuthError {
    /// A store that can't be reached is worth a retry (503); a malformed item is a fault of ours (500).
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(_) => Self::TemporarilyUnavailable(err),
            StoreError::Corrupt(_) => Self::ServerError(Fault::Store(err)),
        }
    }
}

impl From<JwtError> for OAuthError {
    /// Minting a token can only fail on our side. (A token that fails
    /// verification is the caller's problem; those paths map it explicitly.)
    fn from(err: JwtError) -> Self {
        Self::ServerError(Fault::Signing(err))
    }
}

impl From<tokio::task::JoinError> for OAuthError {
    fn from(err: tokio::task::JoinError) -> Self {
        Self::ServerError(Fault::Task(err))
    }
}
