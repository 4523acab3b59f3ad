//! Handler tests: API Gateway events through each function's real handler.

mod authorize;
mod delegation;
mod events;
mod harness;
mod revoke;
mod token;

pub use events::hidden_fields;
