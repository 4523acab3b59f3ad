//! All integration tests, built into one binary.
// Test code may unwrap, panic and index: a failure here is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod call_count;
mod contract;
mod docs;
mod dynalite;
mod e2e;
mod events_bus;
mod faults;
mod handlers;
mod helpers;
mod hostile;
mod layering;
mod logs;
mod management_e2e;
mod oidc_client;
mod races;
mod refusals;
mod rotation;
mod startup;
mod store_contract;
