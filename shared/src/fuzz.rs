//! Every request parser behind one entry point, for the `cargo fuzz` target
//! in `fuzz/` and for the property tests: whatever the bytes, each parser
//! gives a value or a typed error, never a panic.

use std::sync::OnceLock;

use aws_lc_rs::hmac;
use axum::http::{header, HeaderMap, HeaderValue};
use jsonwebtoken::Algorithm;

use crate::clients::ClientRegistry;
use crate::domain::{authorize, login_form, pkce, token, users};
use crate::http::params::{BodyKind, Params};
use crate::http::requests::{self, AuthorizationRead};
use crate::http::{client_auth, extract};
use crate::ids::{ClientId, CredentialId, DeviceName, Scope, UserId};
use crate::jwt::TokenSigner;
use crate::keys::SigningKey;
use crate::refresh_token;
use crate::refresh_token::RefreshKeys;
use crate::secret::RefreshTokenValue;

/// The clients, signer and form key the parsers are checked against.
struct Context {
    clients: ClientRegistry,
    signer: TokenSigner,
    form_key: hmac::Key,
    refresh_keys: RefreshKeys,
}

const CLIENTS: &str = r#"[
  {"client_id": "web", "name": "Web", "callbacks": ["https://app.example.com/callback"],
   "web_origins": ["https://app.example.com"], "refresh_tokens": true},
  {"client_id": "server", "name": "Server", "callbacks": ["https://server.example.com/cb"],
   "client_secret_hash": "sha256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b",
   "grant_types": ["authorization_code", "refresh_token", "client_credentials"]}
]"#;

fn context() -> Option<&'static Context> {
    static CONTEXT: OnceLock<Option<Context>> = OnceLock::new();
    CONTEXT
        .get_or_init(|| {
            let pem = SigningKey::generate_pem(Algorithm::ES256).ok()?;
            let key = SigningKey::from_pem(&pem, Algorithm::ES256, None).ok()?;
            let form_key = hmac::Key::new(hmac::HMAC_SHA256, b"fuzzing form key");
            Some(Context {
                clients: ClientRegistry::from_json(CLIENTS).ok()?,
                signer: TokenSigner::new(key, "https://auth.example/".into(), "api".into()),
                form_key,
                refresh_keys: RefreshKeys::parse(&RefreshKeys::generate_text("fuzz").ok()?).ok()?,
            })
        })
        .as_ref()
}

/// Feeds `data` to the parser its first byte picks.
pub fn parsers(data: &[u8]) {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let Some(context) = context() else {
        return;
    };
    let text = String::from_utf8_lossy(input);
    match pick % 10 {
        0 => form_and_json(input),
        1 => authorization_header(&text, input),
        2 => {
            let value = RefreshTokenValue::new(text.as_ref());
            let _ = refresh_token::parse(&context.refresh_keys, &value);
        }
        3 => {
            let _ = context.signer.verify_access_token(&text);
            if let Ok(client) = ClientId::parse("web".into()) {
                let _ = context.signer.verify_id_token(&text, &client);
            }
        }
        4 => authorization_request(context, input),
        5 => {
            let (verifier, challenge) = text.split_once(' ').unwrap_or((&text, ""));
            let _ = pkce::is_valid_verifier(verifier) && pkce::is_valid_challenge(challenge);
            let _ = pkce::verify(verifier, challenge);
        }
        6 => login_form_and_cookie(context, &text, input),
        7 => identifiers(&text),
        8 => {
            let _ = users::password_weakness(&text, "ana@example.com");
        }
        _ => {
            let _ = BodyKind::from_content_type(Some(&text));
        }
    }
}

fn form_and_json(input: &[u8]) {
    for params in [Params::from_urlencoded(input), Params::from_json(input)]
        .into_iter()
        .flatten()
    {
        for name in ["client_id", "grant_type", "refresh_token", "scope", "state"] {
            let _ = params.get(name);
            let _ = params.require(name);
        }
        if let Ok(grant) = requests::token_grant(&params) {
            if let (Ok(token::TokenRequest::RefreshToken { scope, .. }), Ok(allowed)) = (
                requests::token_request(grant, &params),
                Scope::parse("openid profile email offline_access"),
            ) {
                let _ = token::narrowed_scope(scope.as_ref(), &allowed);
            }
        }
        let _ = requests::delegation_request(&params);
        let _ = requests::revocation_request(&params);
    }
}

fn authorization_header(text: &str, input: &[u8]) {
    let params = Params::from_urlencoded(input).unwrap_or_default();
    let _ = client_auth::presented_client(Some(text), &params);
    let _ = client_auth::required_client(Some(text), &params);
    let _ = client_auth::presented_client(Some(text), &Params::default());
}

fn authorization_request(context: &Context, input: &[u8]) {
    let Ok(params) = Params::from_urlencoded(input) else {
        return;
    };
    let (AuthorizationRead::Read(read) | AuthorizationRead::Partial(read, _)) =
        requests::authorization_params(&params)
    else {
        return;
    };
    if let Ok(callback) = authorize::locate_callback(&read, &context.clients) {
        let _ = authorize::parse_request(&read, &callback);
    }
}

fn login_form_and_cookie(context: &Context, text: &str, input: &[u8]) {
    let _ = login_form::verify(&context.form_key, "binding", "request", text, 0);
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(input) {
        headers.insert(header::AUTHORIZATION, value.clone());
        headers.insert(header::COOKIE, value);
        let _ = crate::http::cookies::form_binding(&headers);
        let _ = extract::bearer_token(&headers);
    }
}

fn identifiers(text: &str) {
    let _ = Scope::parse(text);
    let _ = UserId::parse(text.to_owned());
    let _ = ClientId::parse(text.to_owned());
    let _ = DeviceName::parse(text.to_owned());
    let _ = CredentialId::parse(text.to_owned());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_context_builds() {
        assert!(context().is_some());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_bytes_reach_every_parser_without_a_panic(
            pick in 0u8..10,
            input in proptest::collection::vec(any::<u8>(), 0..600),
        ) {
            let mut data = vec![pick];
            data.extend(input);
            parsers(&data);
        }

        #[test]
        fn token_shaped_text_parses_or_fails_cleanly(
            pick in prop::sample::select(vec![1u8, 2, 3, 6]),
            text in "(rt1|Basic|Bearer|[A-Za-z0-9_-]{0,40})[. ][A-Za-z0-9_=%:+/-]{0,80}\\.?[A-Za-z0-9_-]{0,80}",
        ) {
            let mut data = vec![pick];
            data.extend(text.bytes());
            parsers(&data);
        }

        #[test]
        fn authorize_queries_parse_or_fail_cleanly(
            pairs in proptest::collection::vec(
                (prop::sample::select(vec!["client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "device", "code_challenge", "code_challenge_method", "prompt"]),
                 prop::sample::select(vec!["web", "server", "https://app.example.com/callback", "token", "code", "id_token token", "openid offline_access", "S256", "plain", "", "\u{0}\r\n<\"'>", "x"])),
                0..12),
        ) {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            let mut data = vec![4u8];
            data.extend(query.bytes());
            parsers(&data);
        }
    }
}
