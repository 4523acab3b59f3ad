//! Handler tests: API Gateway events through each function's real handler.

mod api_cors;
mod authorize;
mod brute_force;
pub mod code_grant;
mod delegation;
pub mod device_details;
pub mod device_pages;
pub mod dpop;
mod dpop_nonce;
pub mod events;
pub mod harness;
mod id_token_algorithms;
mod lock;
mod management;
mod oauth_endpoints;
mod refresh_grant;
mod revoke;
mod sign_in_session;
mod token;
mod token_keys;
mod userinfo;

pub use events::hidden_fields;
