//! Redeeming a refresh token (RFC 6749 §6) with rotation, retry leeway and
//! reuse detection. See `docs/design/refresh-rotation.md`.

use crate::clients::Client;
use crate::domain::authorize::SUPPORTED_SCOPES;
use crate::domain::requester::Requester;
use crate::domain::{now, random_hex, Authority};
use crate::error::{Fault, OAuthError};
use crate::ids::Scope;
use crate::observe::{EventCode, Metric, SecurityEvent, Unit};
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
    let started = std::time::Instant::now();
    let written = tokens.refresh(&attempt).await?;
    let latency = started.elapsed().as_secs_f64() * 1000.0;
    match written {
        Some(record) => {
            let outcome = match &successor {
                None => "ok",
                Some(_) if record.rotated_at == Some(attempt.now) => "rotated",
                Some(_) => "retry_in_leeway",
            };
            let event = SecurityEvent {
                user_id: Some(record.user_id.as_str()),
                client_id: Some(client.client_id.as_str()),
                credential_id: Some(record.credential_id.as_str()),
                address: requester.seen.ip.as_deref(),
                ..SecurityEvent::new(EventCode::RefreshOk, "a refresh token was redeemed")
            };
            report(authority, (outcome, latency), event).await;
            Ok(Redeemed {
                record,
                successor: successor
                    .map(|s| s.value(keys))
                    .transpose()
                    .map_err(|_| Fault::Invariant("a refresh token could not be sealed"))?,
            })
        }
        None => {
            let (error, outcome) = refused(authority, tokens, &attempt).await?;
            let event = SecurityEvent {
                client_id: Some(client.client_id.as_str()),
                address: requester.seen.ip.as_deref(),
                ..SecurityEvent::new(EventCode::RefreshFailed, "a refresh was refused")
            };
            report(authority, (outcome, latency), event).await;
            Err(error)
        }
    }
}

/// Counts a refresh by outcome (`ok`, `rotated`, `retry_in_leeway`,
/// `expired`, `reuse_detected`, `refused`) with the write's latency, and
/// logs its security event.
async fn report(authority: &Authority, (outcome, latency): (&str, f64), event: SecurityEvent<'_>) {
    let observer = &authority.observer;
    observer.metric(
        &Metric::count("Refreshes")
            .value("StoreLatency", latency, Unit::Milliseconds)
            .dimension("Outcome", outcome),
    );
    observer.security(event).await;
}

/// After a refused write: reads the session once and decides what to
/// answer, and the outcome to count.
async fn refused(
    authority: &Authority,
    tokens: &dyn Sessions,
    attempt: &RefreshAttempt<'_>,
) -> Result<(OAuthError, &'static str), OAuthError> {
    // The token opens the session (as its current token, or as a retry inside
    // the leeway): the write was refused for its lifetimes or the scope.
    let not_reuse = |record: &RefreshTokenRecord| {
        if is_alive(record, attempt) && !scope_allowed(record, attempt) {
            return (exceeds(), "refused");
        }
        if is_alive(record, attempt) && record.dpop_jkt.is_some() {
            // RFC 9449 §5: a bound token needs a fresh proof by its key.
            let error = OAuthError::InvalidDpopProof(
                "The refresh token is bound to a key: send a new DPoP proof made with it.".into(),
            );
            return (error, "refused");
        }
        tracing::info!(credential_id = %record.credential_id, "refresh token session expired");
        let error = OAuthError::InvalidGrant("The refresh token has expired.".into());
        (error, "expired")
    };
    match session_of(authority, tokens, attempt.token).await? {
        None => Ok((invalid(), "refused")),
        Some((record, Standing::Current)) => Ok(not_reuse(&record)),
        Some((record, Standing::Ancestor)) if is_retry(&record, attempt) => Ok(not_reuse(&record)),
        Some((record, Standing::Ancestor)) => {
            tokens.end_session(record.session()).await?;
            let event = SecurityEvent {
                user_id: Some(record.user_id.as_str()),
                client_id: Some(record.client_id.as_str()),
                credential_id: Some(record.credential_id.as_str()),
                address: attempt.seen.ip.as_deref(),
                ..SecurityEvent::new(
                    EventCode::ReuseDetected,
                    "a rotated-out refresh token was presented after the leeway; the session is revoked",
                )
            };
            authority.observer.security(event).await;
            Ok((invalid(), "reuse_detected"))
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
