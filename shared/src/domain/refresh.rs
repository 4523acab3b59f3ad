//! Redeeming a refresh token (RFC 6749 §6) with rotation, retry leeway and
//! reuse detection. See `docs/design/refresh-rotation.md`.

use crate::clients::Client;
use crate::domain::authorize::SUPPORTED_SCOPES;
use crate::domain::requester::Requester;
use crate::domain::{now, random_hex, Authority};
use crate::error::{Fault, OAuthError};
use crate::ids::Scope;
use crate::refresh_token::{self, RefreshToken};
use crate::secret::RefreshTokenValue;
use crate::store::rotation::ProofUse;
use crate::store::rotation::{is_alive, is_retry, scope_allowed};
use crate::store::{RefreshAttempt, RefreshTokenRecord, Sessions};

/// What the server answers for any token it won't honour; the same text for
/// unknown, revoked, reused and foreign tokens, so it tells an attacker nothing.
pub const UNKNOWN_TOKEN: &str = "Unknown or invalid refresh token.";
/// How many generations back a reused token is recognised.
const MAX_ANCESTRY: usize = 1_000;

/// A redeemed refresh token.
#[derive(Debug)]
pub struct Redeemed {
    /// The session, as the write left it.
    pub record: RefreshTokenRecord,
    /// The token the client must use from now on, when the client rotates.
    pub successor: Option<RefreshTokenValue>,
}

fn invalid() -> OAuthError {
    OAuthError::InvalidGrant(UNKNOWN_TOKEN.into())
}

fn exceeds() -> OAuthError {
    OAuthError::InvalidScope("The scope exceeds what was granted.".into())
}

/// Every scope a session can hold that allows `requested` (RFC 6749 §6: the
/// new scope must not exceed the granted one): its supersets among the
/// scopes `/authorize` grants. The refresh write requires one of them, so a
/// refused narrowing changes nothing. `invalid_scope` when no session can
/// hold what is asked.
pub fn scopes_allowing(requested: &Scope) -> Result<Vec<Scope>, OAuthError> {
    if requested.iter().any(|s| !SUPPORTED_SCOPES.contains(&s)) {
        return Err(exceeds());
    }
    let supersets: Vec<Scope> = (0u32..1 << SUPPORTED_SCOPES.len())
        .map(|mask| {
            Scope::from_tokens(
                SUPPORTED_SCOPES
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, s)| *s),
            )
        })
        .filter(|scope| requested.is_subset(scope))
        .collect();
    Ok(supersets)
}

/// Redeems `value` for `client` with one conditional write, which also
/// requires the session to allow `requested` (a narrower scope); on refusal,
/// tells expiry from a too-wide scope and from reuse, and ends a reused session.
pub async fn redeem(
    authority: &Authority,
    tokens: &dyn Sessions,
    client: &Client,
    value: &RefreshTokenValue,
    requested: Option<&Scope>,
    requester: &Requester<'_>,
) -> Result<Redeemed, OAuthError> {
    let keys = &authority.refresh_keys;
    let token = refresh_token::parse(keys, value).map_err(|_| invalid())?;
    if token.client_id != client.client_id || !client.refresh_tokens {
        return Err(invalid());
    }
    let scope_one_of = requested.map(scopes_allowing).transpose()?;
    let policy = client.refresh_policy();
    let successor = match policy.rotate {
        true => Some(
            token
                .successor(keys)
                .map_err(|_| Fault::Invariant("a refresh token could not be sealed"))?,
        ),
        false => None,
    };
    let attempt = RefreshAttempt {
        token: &token,
        successor: successor.as_ref().map(|s| s.hash.clone()),
        now: now(),
        leeway: policy.leeway,
        absolute_lifetime: policy.absolute_lifetime,
        idle_lifetime: policy.idle_lifetime,
        scope_one_of,
        seen: requester.seen,
        proof: requester
            .proof
            .map(|p| {
                random_hex(16).map(|request_id| ProofUse {
                    jkt: p.jkt.clone(),
                    jti: p.jti.clone(),
                    request_id,
                })
            })
            .transpose()?,
    };
    match tokens.refresh(&attempt).await? {
        Some(record) => {
            tracing::info!(
                credential_id = %record.credential_id,
                client_id = %client.client_id,
                rotated = successor.is_some(),
                "refresh token used"
            );
            Ok(Redeemed {
                record,
                successor: successor
                    .map(|s| s.value(keys))
                    .transpose()
                    .map_err(|_| Fault::Invariant("a refresh token could not be sealed"))?,
            })
        }
        None => Err(refused(authority, tokens, &attempt).await?),
    }
}

/// After a refused write: reads the session once and decides what to answer.
async fn refused(
    authority: &Authority,
    tokens: &dyn Sessions,
    attempt: &RefreshAttempt<'_>,
) -> Result<OAuthError, OAuthError> {
    // The token opens the session (as its current token, or as a retry inside
    // the leeway): the write was refused for its lifetimes or the scope.
    let not_reuse = |record: &RefreshTokenRecord| {
        if is_alive(record, attempt) && !scope_allowed(record, attempt) {
            return exceeds();
        }
        if is_alive(record, attempt) && record.dpop_jkt.is_some() {
            // RFC 9449 §5: a bound token needs a fresh proof by its key.
            return OAuthError::InvalidDpopProof(
                "The refresh token is bound to a key: send a new DPoP proof made with it.".into(),
            );
        }
        tracing::info!(credential_id = %record.credential_id, "refresh token session expired");
        OAuthError::InvalidGrant("The refresh token has expired.".into())
    };
    match session_of(authority, tokens, attempt.token).await? {
        None => Ok(invalid()),
        Some((record, Standing::Current)) => Ok(not_reuse(&record)),
        Some((record, Standing::Ancestor)) if is_retry(&record, attempt) => Ok(not_reuse(&record)),
        Some((record, Standing::Ancestor)) => {
            let ended = tokens.end_session(record.session()).await?;
            tracing::warn!(
                target: "security",
                event = "refresh_token_reuse",
                credential_id = %record.credential_id,
                client_id = %record.client_id,
                user_id = %record.user_id,
                session_revoked = ended,
                "a rotated-out refresh token was presented after the leeway; the session is revoked"
            );
            Ok(invalid())
        }
    }
}

/// Where a presented token stands in its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// It is the session's current token.
    Current,
    /// It is an earlier generation of the current token.
    Ancestor,
}

/// The session a token belongs to, by one consistent read, and its standing;
/// `None` when the token opens no session.
pub async fn session_of(
    authority: &Authority,
    sessions: &dyn Sessions,
    token: &RefreshToken,
) -> Result<Option<(RefreshTokenRecord, Standing)>, OAuthError> {
    let Some(record) = sessions.find_session(token).await? else {
        return Ok(None);
    };
    let standing = if record.token_hash.matches(&token.hash) {
        Standing::Current
    } else if is_ancestor(authority, token, &record) {
        Standing::Ancestor
    } else {
        return Ok(None);
    };
    Ok(Some((record, standing)))
}

/// Whether `token` is an earlier generation of the record's current token.
fn is_ancestor(authority: &Authority, token: &RefreshToken, record: &RefreshTokenRecord) -> bool {
    let mut generation = token.clone();
    for _ in 0..MAX_ANCESTRY {
        let known = record.token_hash.matches(&generation.hash)
            || record
                .prev_hash
                .as_ref()
                .is_some_and(|prev| prev.matches(&generation.hash));
        if known {
            return true;
        }
        match generation.successor(&authority.refresh_keys) {
            Ok(next) => generation = next,
            Err(_) => return false,
        }
    }
    false
}
