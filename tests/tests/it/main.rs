//! All integration tests, built into one binary.

mod dynalite;
mod handlers;
mod store_contract;
