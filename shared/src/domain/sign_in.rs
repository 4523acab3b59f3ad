//! The sign-in at the authorization server (OIDC Core §3.1.2.1): after the
//! password, the browser holds a cookie naming its sign-in, so `prompt=none`
//! can be answered without the form and `max_age` can be judged. The cookie
//! is `<base64url user id>.<256-bit secret in hex>`; only the secret's
//! SHA-256 is stored.

use aws_lc_rs::digest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::domain::authorize::AuthorizationRequest;
use crate::domain::random_hex;
use crate::error::{Fault, OAuthError};
use crate::ids::UserId;
use crate::refresh_token::TokenHash;
use crate::store::{SignInRecord, SignIns};

/// The sign-in cookie's value. Its `Debug` is redacted: it is a bearer secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SignInCookie {
    user_id: UserId,
    secret: String,
}

impl std::fmt::Debug for SignInCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignInCookie([redacted])")
    }
}

impl SignInCookie {
    /// Reads a cookie value; `None` unless it has the right shape.
    pub fn parse(value: &str) -> Option<Self> {
        let (user, secret) = value.split_once('.')?;
        let valid = secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
        let user = URL_SAFE_NO_PAD.decode(user).ok()?;
        let user_id = UserId::parse(String::from_utf8(user).ok()?).ok()?;
        valid.then(|| Self {
            user_id,
            secret: secret.to_owned(),
        })
    }

    /// The value to set in the cookie.
    pub fn value(&self) -> String {
        let user = URL_SAFE_NO_PAD.encode(self.user_id.as_str());
        format!("{user}.{}", self.secret)
    }

    fn hash(&self) -> Result<TokenHash, OAuthError> {
        TokenHash::from_bytes(digest::digest(&digest::SHA256, self.secret.as_bytes()).as_ref())
            .ok_or_else(|| Fault::Invariant("a sign-in hash has the wrong length").into())
    }
}

/// Starts a sign-in for `user_id` that lasts `ttl` seconds; the cookie to set.
pub async fn start(
    sign_ins: &dyn SignIns,
    user_id: &UserId,
    now: u64,
    ttl: u64,
) -> Result<SignInCookie, OAuthError> {
    let cookie = SignInCookie {
        user_id: user_id.clone(),
        secret: random_hex(32)?,
    };
    let record = SignInRecord {
        user_id: user_id.clone(),
        secret_hash: cookie.hash()?,
        auth_time: now,
        expires_at: now.saturating_add(ttl),
    };
    sign_ins.put_sign_in(&record).await?;
    Ok(cookie)
}

/// The browser's sign-in, if the cookie names one that has not ended.
pub async fn current(
    sign_ins: &dyn SignIns,
    cookie: &SignInCookie,
    now: u64,
) -> Result<Option<SignInRecord>, OAuthError> {
    Ok(sign_ins
        .find_sign_in(&cookie.user_id, &cookie.hash()?, now)
        .await?)
}

/// Ends the browser's sign-in (RP-initiated logout).
pub async fn end(sign_ins: &dyn SignIns, cookie: &SignInCookie) -> Result<(), OAuthError> {
    Ok(sign_ins
        .end_sign_in(&cookie.user_id, &cookie.hash()?)
        .await?)
}

/// What `/authorize` does with a request that asks not to show the form
/// (`prompt=none`): answer from the sign-in, or `login_required` when there
/// is none or it is older than `max_age` (OIDC Core §3.1.2.1, §3.1.2.6).
pub fn silent(
    request: &AuthorizationRequest,
    sign_in: Option<SignInRecord>,
    now: u64,
) -> Result<SignInRecord, OAuthError> {
    sign_in
        .filter(|s| {
            request
                .sign_in
                .max_age
                .is_none_or(|max| s.auth_time.saturating_add(max) >= now)
        })
        .ok_or_else(|| OAuthError::LoginRequired("The user must sign in.".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_round_trips_and_a_malformed_one_is_none() {
        let cookie = SignInCookie {
            user_id: UserId::parse("usr_a.b".into()).unwrap(),
            secret: "ab".repeat(32),
        };
        assert_eq!(SignInCookie::parse(&cookie.value()), Some(cookie.clone()));
        assert!(!format!("{cookie:?}").contains("abab"));
        for bad in [
            "",
            ".",
            "dXNy.abc",
            "!!!.".to_owned().as_str(),
            "dXNyX2E.zz",
        ] {
            assert!(SignInCookie::parse(bad).is_none(), "{bad}");
        }
    }
}
