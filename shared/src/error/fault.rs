//! What went wrong inside the server: the cause of a `server_error`.

use crate::jwt::JwtError;
use crate::store::StoreError;

/// What went wrong inside the server: the cause of a `server_error`, kept for
/// the log and never shown to the client. No variant holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum Fault {
    /// A token could not be signed.
    #[error("token signing failed")]
    Signing(#[source] JwtError),
    /// The system random generator failed.
    #[error("the random generator failed")]
    Random,
    /// argon2 could not hash a password.
    #[error("password hashing failed: {0}")]
    PasswordHashing(argon2::password_hash::Error),
    /// A blocking task (password hashing) panicked or was cancelled.
    #[error("a blocking task did not finish")]
    Task(#[source] tokio::task::JoinError),
    /// A stored item does not have the expected shape.
    #[error("a stored item is malformed")]
    Store(#[source] StoreError),
    /// Something that cannot happen did (a value we built failed to parse).
    #[error("internal invariant broken: {0}")]
    Invariant(&'static str),
}
