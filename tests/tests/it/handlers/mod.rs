//! Handler tests: API Gateway events through each function's real handler.

mod authorize;
mod delegation;
mod harness;

pub use harness::unescape;
mod revoke;
