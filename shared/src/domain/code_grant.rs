//! The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636): a
//! single-use code at `/authorize`, exchanged at `/oauth/token`.

use aws_lc_rs::digest;

use crate::clients::{Client, GrantType};
use crate::domain::authorize::{AuthorizationRequest, AuthorizationResponse, SignedIn};
use crate::domain::requester::Requester;
use crate::domain::session::{self, new_credential_id, offline_device, NewSession};
use crate::domain::token::{mint_user_tokens, token_response, Subject, TokenResponse, TokenStores};
use crate::domain::{now, pkce, random_hex, Authority};
use crate::error::{Fault, OAuthError};
use crate::ids::Scope;
use crate::observe::{EventCode, Observer, SecurityEvent};
use crate::refresh_token::TokenHash;
use crate::secret::{AuthorizationCodeValue, CodeVerifier};
use crate::store::{CodeBinding, CodeGrant, CodeRecord, Codes, SessionRef};

/// How long a code lives, in seconds (RFC 6749 §4.1.2 recommends at most 10 minutes).
pub const CODE_TTL: u64 = 60;
const INVALID_CODE: &str = "The authorization code is invalid, expired or already used.";

fn code_hash(code: &str) -> Option<TokenHash> {
    TokenHash::from_bytes(digest::digest(&digest::SHA256, code.as_bytes()).as_ref())
}

/// Stores a new code for the signed-in user and returns the response
/// `code`, `state`, `iss` (§4.1.2; `iss` by RFC 9207 §2).
pub async fn issue(
    codes: &dyn Codes,
    client: &Client,
    user: &SignedIn<'_>,
    request: &AuthorizationRequest,
    issuer: &str,
) -> Result<AuthorizationResponse, OAuthError> {
    let code = random_hex(32)?;
    let code_hash = code_hash(&code).ok_or(Fault::Invariant("a code hash has the wrong length"))?;
    let grant = CodeGrant {
        client_id: client.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        user_id: user.user_id.clone(),
        scope: request.scope.to_string(),
        device: request.device.clone(),
        nonce: request.nonce.clone(),
        profile: user.profile.clone(),
        credential_id: new_credential_id()?,
        auth_time: Some(user.auth_time),
        seen: user.seen.clone(),
    };
    let record = CodeRecord {
        code_hash,
        grant,
        expires_at: now() + CODE_TTL,
        used_at: None,
        used_by: None,
    };
    codes.put_code(&record).await?;
    let mut params = vec![("code".to_owned(), code)];
    if let Some(state) = &request.state {
        params.push(("state".to_owned(), state.clone()));
    }
    let mode = request.response_mode;
    Ok(AuthorizationResponse::new(
        &request.redirect_uri,
        mode,
        params,
        issuer,
    ))
}

/// The parameters of the code grant's token request (§4.1.3, RFC 7636 §4.5).
#[derive(Debug)]
pub struct CodeExchange {
    /// The code from the authorization response.
    pub code: AuthorizationCodeValue,
    /// The `redirect_uri` of the authorization request, which must match.
    pub redirect_uri: String,
    /// The PKCE verifier, if the request had a challenge.
    pub code_verifier: Option<CodeVerifier>,
}

/// §4.1.3: uses the code up in one conditional write, then checks the client,
/// the `redirect_uri` and the PKCE verifier, and issues the tokens.
pub async fn exchange(
    authority: &Authority,
    stores: &TokenStores<'_>,
    client: &Client,
    request: &CodeExchange,
    requester: &Requester<'_>,
) -> Result<TokenResponse, OAuthError> {
    let proof = requester.proof;
    if !client.allows_grant(GrantType::AuthorizationCode) {
        return Err(OAuthError::UnauthorizedClient(
            "This client may not use the authorization_code grant.".into(),
        ));
    }
    let invalid = || OAuthError::InvalidGrant(INVALID_CODE.into());
    let hash = code_hash(request.code.expose_secret()).ok_or_else(invalid)?;
    // Everything the code is checked against goes into the one conditional
    // write, so a refused exchange leaves the code usable by its client.
    let code_challenge = match &request.code_verifier {
        Some(verifier) if pkce::is_valid_verifier(verifier.expose_secret()) => {
            Some(pkce::challenge_of(verifier.expose_secret()))
        }
        Some(_) => return Err(invalid()),
        // Only a confidential client may skip PKCE (RFC 9700 §2.1.1).
        None if client.is_confidential() => None,
        None => return Err(invalid()),
    };
    let binding = CodeBinding {
        client_id: client.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge,
        request_id: random_hex(16)?,
    };
    let Some(record) = stores.codes.consume_code(&hash, &binding, now()).await? else {
        replayed(stores, &hash, &authority.observer).await?;
        return Err(invalid());
    };
    let grant = record.grant;
    let scope = Scope::parse(&grant.scope).map_err(|_| invalid())?;
    let subject = Subject {
        sub: grant.user_id.as_str(),
        profile: &grant.profile,
        nonce: grant.nonce.as_deref(),
        // Codes issued before auth_time was kept: their sign-in was at most
        // CODE_TTL before they expire.
        auth_time: grant
            .auth_time
            .unwrap_or(record.expires_at.saturating_sub(CODE_TTL)),
        jkt: proof.map(|p| p.jkt.as_str()),
    };
    let minted = mint_user_tokens(authority, client, &subject, &scope)?;
    let refresh_token = match offline_device(client, &scope, grant.device.as_ref()) {
        Some(device) => {
            let session = NewSession {
                user_id: &grant.user_id,
                profile: &grant.profile,
                device,
                scope: &scope,
                credential_id: grant.credential_id.clone(),
                dpop_jkt: proof.map(|p| p.jkt.clone()),
                first_seen: grant.seen.clone(),
                last_seen: requester.seen.clone(),
            };
            Some(
                session::start(
                    stores.sessions,
                    &authority.refresh_keys,
                    client,
                    session,
                    now(),
                )
                .await?,
            )
        }
        _ => None,
    };
    Ok(token_response(
        minted,
        &scope,
        refresh_token,
        proof.is_some(),
    ))
}

/// §4.1.2: a code used twice revokes the session its first use started.
async fn replayed(
    stores: &TokenStores<'_>,
    hash: &TokenHash,
    observer: &Observer,
) -> Result<(), OAuthError> {
    let Some(record) = stores.codes.find_code(hash).await? else {
        return Ok(());
    };
    let (Some(_), Some(device)) = (record.used_at, &record.grant.device) else {
        return Ok(());
    };
    let grant = &record.grant;
    let session = SessionRef {
        user_id: &grant.user_id,
        client_id: &grant.client_id,
        device,
        credential_id: &grant.credential_id,
    };
    stores.sessions.end_session(session).await?;
    let event = SecurityEvent {
        user_id: Some(grant.user_id.as_str()),
        client_id: Some(grant.client_id.as_str()),
        credential_id: Some(grant.credential_id.as_str()),
        ..SecurityEvent::new(
            EventCode::CodeReuse,
            "an authorization code was used twice; its session is revoked",
        )
    };
    observer.security(event).await;
    Ok(())
}
