//! The one conditional write of a refresh (`docs/design/refresh-rotation.md`):
//! what it requires of the record and what it changes. The memory store applies
//! it in Rust; the DynamoDB store states the same as an expression.

use super::{RefreshTokenRecord, Seen};
use crate::ids::Scope;
use crate::refresh_token::{RefreshToken, TokenHash};

/// A refresh as the store sees it: the presented token, its successor when the
/// client rotates, and the client's lifetimes.
#[derive(Debug, Clone)]
pub struct RefreshAttempt<'a> {
    /// The presented token.
    pub token: &'a RefreshToken,
    /// The successor's hash, when rotation is on.
    pub successor: Option<TokenHash>,
    /// Seconds since the epoch.
    pub now: u64,
    /// How long after a rotation the predecessor may still be retried.
    pub leeway: u64,
    /// The session's absolute lifetime.
    pub absolute_lifetime: u64,
    /// How long the session may go unused.
    pub idle_lifetime: u64,
    /// When the request narrows the scope: the granted scopes that allow it.
    /// The write requires the session's scope to be one of them, so a
    /// request for more than was granted changes nothing (RFC 6749 §6).
    pub scope_one_of: Option<Vec<Scope>>,
    /// The DPoP proof the request carried (RFC 9449), if any.
    pub proof: Option<ProofUse>,
    /// Where the request came from: the session's new `last_seen`.
    pub seen: &'a Seen,
}

/// A checked DPoP proof, as the refresh write uses it: a bound session
/// needs its key, and a proof's `jti` is used once. The request's own id
/// lets the SDK's retry of the same write pass (`failures-and-logs.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofUse {
    /// The proof key's thumbprint.
    pub jkt: String,
    /// The proof's `jti`.
    pub jti: String,
    /// This request's random id.
    pub request_id: String,
}

impl RefreshAttempt<'_> {
    /// A rotation at or after this time is still inside the leeway.
    pub fn leeway_cutoff(&self) -> u64 {
        self.now.saturating_sub(self.leeway)
    }

    /// A session created before this time is past its absolute lifetime.
    pub fn created_cutoff(&self) -> u64 {
        self.now.saturating_sub(self.absolute_lifetime)
    }

    /// A session last used before this time is past its idle lifetime.
    pub fn idle_cutoff(&self) -> u64 {
        self.now.saturating_sub(self.idle_lifetime)
    }

    /// The TTL attribute after this refresh.
    pub fn expires_at(&self) -> u64 {
        self.now.saturating_add(self.idle_lifetime)
    }
}

/// Whether the session is within both of its lifetimes.
pub fn is_alive(record: &RefreshTokenRecord, attempt: &RefreshAttempt<'_>) -> bool {
    record.created_at >= attempt.created_cutoff() && record.last_used_at >= attempt.idle_cutoff()
}

/// Whether the presented token is the predecessor of the current one, rotated
/// out inside the leeway: a retry that gets the same successor back.
pub fn is_retry(record: &RefreshTokenRecord, attempt: &RefreshAttempt<'_>) -> bool {
    let Some(next) = &attempt.successor else {
        return false;
    };
    record
        .prev_hash
        .as_ref()
        .is_some_and(|prev| prev.matches(&attempt.token.hash))
        && record.token_hash.matches(next)
        && record
            .rotated_at
            .is_some_and(|at| at >= attempt.leeway_cutoff())
}

/// Whether the session's scope allows the requested one.
pub fn scope_allowed(record: &RefreshTokenRecord, attempt: &RefreshAttempt<'_>) -> bool {
    attempt
        .scope_one_of
        .as_ref()
        .is_none_or(|allowed| allowed.contains(&record.scope))
}

/// Whether the request's proof fits the session: an unbound session needs
/// none; a bound one needs a proof by its key whose `jti` was not the last
/// one used, unless this same request used it (a retried write).
pub fn proof_fits(
    record: &RefreshTokenRecord,
    used: Option<&UsedProof>,
    attempt: &RefreshAttempt<'_>,
) -> bool {
    let Some(bound) = &record.dpop_jkt else {
        return true;
    };
    let Some(proof) = &attempt.proof else {
        return false;
    };
    let fresh =
        used.is_none_or(|last| last.jti != proof.jti || last.request_id == proof.request_id);
    *bound == proof.jkt && fresh
}

/// The last proof a session's refresh used (the store keeps it beside the record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedProof {
    /// Its `jti`.
    pub jti: String,
    /// The request that used it.
    pub request_id: String,
}

/// The write's condition.
pub fn condition_holds(
    record: &RefreshTokenRecord,
    used: Option<&UsedProof>,
    attempt: &RefreshAttempt<'_>,
) -> bool {
    is_alive(record, attempt)
        && scope_allowed(record, attempt)
        && proof_fits(record, used, attempt)
        && (record.token_hash.matches(&attempt.token.hash) || is_retry(record, attempt))
}

/// The write's update, once the condition holds. A retry changes nothing but
/// `last_used_at`, `last_seen` and `expires_at`: the rotation time is kept.
pub fn apply(record: &mut RefreshTokenRecord, attempt: &RefreshAttempt<'_>) {
    record.last_used_at = attempt.now;
    record.last_seen = attempt.seen.clone();
    record.expires_at = attempt.expires_at();
    if let Some(next) = &attempt.successor {
        if !record.token_hash.matches(next) {
            record.rotated_at = Some(attempt.now);
        }
        record.prev_hash = Some(attempt.token.hash.clone());
        record.token_hash = next.clone();
    }
}
