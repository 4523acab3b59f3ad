//! The UserInfo endpoint's rules (OIDC Core §5.3): the claims about the
//! caller's user that the access token's scope releases (§5.4).

use serde_json::{json, Map, Value};

use crate::error::OAuthError;
use crate::ids::{UserId, OPENID};
use crate::jwt::AccessTokenClaims;
use crate::store::Users;

/// §5.3.2: `sub`, plus `name` with `profile` and `email`, `email_verified`
/// with `email`. The token must hold `openid` (§5.3.1); a token minted for a
/// client rather than a user holds no `openid`.
pub async fn userinfo(users: &dyn Users, caller: &AccessTokenClaims) -> Result<Value, OAuthError> {
    if !caller.has_scope(OPENID) {
        return Err(OAuthError::InsufficientScope(OPENID));
    }
    let gone = || OAuthError::InvalidToken("The token's user no longer exists.".into());
    let user_id = UserId::parse(caller.sub.clone()).map_err(|_| gone())?;
    let profile = users.find_profile(&user_id).await?.ok_or_else(gone)?;
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(user_id.as_str()));
    if caller.has_scope("profile") {
        if let Some(name) = profile.name {
            claims.insert("name".into(), json!(name));
        }
    }
    if caller.has_scope("email") {
        if let Some(email) = profile.email {
            claims.insert("email".into(), json!(email));
        }
        if let Some(verified) = profile.email_verified {
            claims.insert("email_verified".into(), json!(verified));
        }
    }
    Ok(Value::Object(claims))
}
