//! OpenID Connect Discovery 1.0 §3 / RFC 8414 §2: the provider metadata, built
//! from the same constants the endpoints use, so it can't claim what the code
//! does not do.

use serde_json::{json, Value};

use crate::clients::GrantType;
use crate::domain::authorize::SUPPORTED_SCOPES;
use crate::domain::client_auth::{INTROSPECTION_AUTH_METHODS, TOKEN_ENDPOINT_AUTH_METHODS};
use crate::domain::{dpop, Authority};
use crate::keys::algorithm_name;

/// The `response_type` values `/authorize` accepts.
pub const RESPONSE_TYPES: [&str; 2] = ["code", "token"];
/// The grants `/oauth/token` runs (RFC 6749 §4.1.3, §4.4, §6).
pub const TOKEN_GRANTS: [GrantType; 3] = [
    GrantType::AuthorizationCode,
    GrantType::RefreshToken,
    GrantType::ClientCredentials,
];
/// The PKCE methods accepted (RFC 7636 §4.3): S256 only.
pub const CODE_CHALLENGE_METHODS: [&str; 1] = ["S256"];
/// The claims an id token may carry.
const CLAIMS: [&str; 10] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nonce",
    "auth_time",
    "name",
    "email",
    "email_verified",
];

/// The metadata document served at `/.well-known/openid-configuration`.
pub fn document(authority: &Authority) -> Value {
    let issuer = authority.signer.issuer();
    let algorithms: Vec<&str> = (authority.signer.id_token_algorithms().into_iter())
        .map(algorithm_name)
        .collect();
    let grants: Vec<&str> = GrantType::ALL.into_iter().map(GrantType::as_str).collect();
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}authorize"),
        "token_endpoint": format!("{issuer}oauth/token"),
        "revocation_endpoint": format!("{issuer}oauth/revoke"),
        "introspection_endpoint": format!("{issuer}oauth/introspect"),
        "jwks_uri": format!("{issuer}.well-known/jwks.json"),
        "userinfo_endpoint": format!("{issuer}userinfo"),
        "end_session_endpoint": format!("{issuer}oidc/logout"),
        "response_types_supported": RESPONSE_TYPES,
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": grants,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algorithms,
        "scopes_supported": SUPPORTED_SCOPES,
        "claims_supported": CLAIMS,
        "code_challenge_methods_supported": CODE_CHALLENGE_METHODS,
        "token_endpoint_auth_methods_supported": TOKEN_ENDPOINT_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": TOKEN_ENDPOINT_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": INTROSPECTION_AUTH_METHODS,
        // RFC 9207: every authorization response carries `iss`.
        "authorization_response_iss_parameter_supported": true,
        // OIDC Core §6: request objects are refused (absent would mean true).
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        // RFC 9449 §5.1: the algorithms a DPoP proof may use.
        "dpop_signing_alg_values_supported": dpop::PROOF_ALGORITHMS,
    })
}
