//! offline-access: the shared library of the refresh-token service.
//!
//! The layers are visible in the module names: `http` is the protocol edge
//! (request parsing, pages, routers), `domain` holds the token and session
//! rules, and `store` is persistence (DynamoDB and in-memory).

pub mod app;
pub mod aws;
pub mod clients;
pub mod config;
pub mod domain;
pub mod error;
#[cfg(feature = "test-support")]
pub mod fuzz;
pub mod http;
pub mod ids;
pub mod jws;
pub mod jwt;
pub mod keys;
#[cfg(feature = "test-support")]
pub mod moto;
pub mod observe;
pub mod refresh_policy;
pub mod refresh_token;
pub mod secret;
pub mod secrets;
pub mod store;
pub mod telemetry;
