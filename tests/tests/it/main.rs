//! All integration tests, built into one binary.

mod dynalite;
mod store_contract;
