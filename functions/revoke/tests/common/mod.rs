//! Runs the revoke function's binary as Lambda would start it, with only
//! the given variables, and collects what it printed.
#![allow(clippy::unwrap_used, dead_code)]

use std::process::Command;

/// Whether the process exited successfully, and its non-empty output lines.
pub fn run(vars: &[(&str, &str)]) -> (bool, Vec<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_revoke"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    (output.status.success(), lines)
}
