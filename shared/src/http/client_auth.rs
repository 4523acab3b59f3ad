//! Reading a client's credentials from a request (RFC 6749 §2.3.1):
//! `client_secret_basic` from the `Authorization` header, `client_secret_post`
//! from the body, or `none` (a public client's `client_id` alone).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::domain::client_auth::PresentedClient;
use crate::error::OAuthError;
use crate::http::params::{decode_component, Params};
use crate::secret::ClientSecret;

/// Reads the client's credentials from an `Authorization: Basic` header or the
/// body, refusing a request that uses both (RFC 6749 §2.3).
pub fn presented_client(
    authorization: Option<&str>,
    params: &Params,
) -> Result<PresentedClient, OAuthError> {
    let body_id = params.get("client_id")?;
    let body_secret = params.get("client_secret")?;
    let Some(basic) = authorization.and_then(basic_credentials) else {
        let client_id = body_id
            .ok_or_else(|| OAuthError::InvalidRequest("Parameter client_id is required.".into()))?;
        return Ok(PresentedClient {
            client_id: client_id.to_owned(),
            secret: body_secret.map(ClientSecret::new),
        });
    };
    let (client_id, secret) = basic?;
    if body_secret.is_some() {
        return Err(OAuthError::InvalidRequest(
            "Use one client authentication method, not two.".into(),
        ));
    }
    if body_id.is_some_and(|id| id != client_id) {
        return Err(OAuthError::InvalidRequest(
            "client_id differs from the Authorization header.".into(),
        ));
    }
    Ok(PresentedClient {
        client_id,
        secret: Some(secret),
    })
}

/// The token, revocation and introspection endpoints: like `presented_client`,
/// but a request that names no client at all is `invalid_client` (RFC 6749
/// §5.2: "no client authentication included").
pub fn required_client(
    authorization: Option<&str>,
    params: &Params,
) -> Result<PresentedClient, OAuthError> {
    let has_basic = authorization.and_then(basic_credentials).is_some();
    if !has_basic && params.get("client_id")?.is_none() {
        return Err(OAuthError::InvalidClient(
            "Client authentication is required: HTTP Basic, or client_id in the body.".into(),
        ));
    }
    presented_client(authorization, params)
}

/// Parses `Basic base64(urlencode(id) ":" urlencode(secret))`; `None` for other schemes.
fn basic_credentials(header: &str) -> Option<Result<(String, ClientSecret), OAuthError>> {
    let (scheme, value) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let invalid = || OAuthError::InvalidClient("The Authorization header is malformed.".into());
    let parsed = STANDARD
        .decode(value.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            let (id, secret) = text.split_once(':')?;
            // §2.3.1: both halves are form-urlencoded; empty ones count as absent.
            let id = decode_component(id.as_bytes())
                .ok()
                .filter(|v| !v.is_empty())?;
            let secret = decode_component(secret.as_bytes())
                .ok()
                .filter(|v| !v.is_empty())?;
            Some((id, ClientSecret::new(secret)))
        });
    Some(parsed.ok_or_else(invalid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(body: &str) -> Params {
        Params::from_urlencoded(body.as_bytes()).unwrap()
    }

    #[test]
    fn basic_credentials_are_url_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%20app:s%3Acret"));
        let presented = presented_client(Some(&header), &params("")).unwrap();
        assert_eq!(presented.client_id, "my app");
        assert_eq!(presented.secret.unwrap().expose_secret(), "s:cret");
    }

    #[test]
    fn two_authentication_methods_are_refused() {
        let header = format!("Basic {}", STANDARD.encode("a:b"));
        assert!(presented_client(Some(&header), &params("client_secret=b")).is_err());
        assert!(presented_client(Some(&header), &params("client_id=other")).is_err());
    }

    #[test]
    fn malformed_basic_headers_are_invalid_client() {
        for header in ["Basic !!!", "Basic", "Basic YWJj"] {
            let result = presented_client(Some(header), &params("client_id=a"));
            if header == "Basic" {
                assert!(
                    result.is_ok(),
                    "no credentials after the scheme falls back to the body"
                );
            } else {
                assert!(
                    matches!(result, Err(OAuthError::InvalidClient(_))),
                    "{header}"
                );
            }
        }
    }
}
