//! The local server's command line, run as a newcomer would: `--help`, a
//! misspelled subcommand, a bad or busy `PORT`, and an `ISSUER` on another
//! port than the one bound. Each mistake is one line naming the fix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn local_api(args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_local-api"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SIGNING_ALGORITHM", "ES256")
        .env("RUST_LOG", "info")
        .envs(vars.iter().copied());
    command
}

/// Runs to the end: (exit code, stdout, the non-empty lines of stderr).
fn run(args: &[&str], vars: &[(&str, &str)]) -> (i32, String, Vec<String>) {
    let output = local_api(args, vars).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn help_prints_the_usage_and_starts_nothing() {
    for flag in ["--help", "-h", "help"] {
        let (code, stdout, _) = run(&[flag], &[]);
        assert_eq!(code, 0, "{flag}");
        assert!(stdout.contains("usage: local-api"), "{flag}: {stdout}");
        assert!(
            stdout.contains("add-user [--admin] <email>"),
            "{flag}: {stdout}"
        );
    }
}

#[test]
fn a_misspelled_subcommand_is_refused_in_one_line() {
    let (code, _, stderr) = run(&["add-usr", "ana@example.com"], &[]);
    assert_eq!(code, 1);
    assert_eq!(stderr.len(), 1, "{stderr:?}");
    assert!(
        stderr[0].contains("unknown argument \"add-usr\""),
        "{stderr:?}"
    );
    assert!(stderr[0].contains("--help"), "{stderr:?}");
}

#[test]
fn a_bad_port_names_port() {
    let (code, _, stderr) = run(&[], &[("PORT", "http")]);
    assert_eq!(code, 1);
    assert_eq!(stderr.len(), 1, "{stderr:?}");
    assert!(stderr[0].contains("PORT is \"http\""), "{stderr:?}");
}

#[test]
fn a_busy_port_names_the_port_and_the_fix() {
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let (code, _, stderr) = run(&[], &[("PORT", &port)]);
    assert_eq!(code, 1);
    assert_eq!(stderr.len(), 1, "{stderr:?}");
    assert!(stderr[0].contains(&format!("PORT {port}")), "{stderr:?}");
    assert!(stderr[0].contains("set PORT to a free port"), "{stderr:?}");
}

#[test]
fn add_user_without_a_table_names_table_name() {
    let (code, _, stderr) = run(&["add-user", "ana@example.com"], &[]);
    assert_eq!(code, 1);
    assert_eq!(stderr.len(), 1, "{stderr:?}");
    assert!(stderr[0].contains("TABLE_NAME is not set"), "{stderr:?}");
}

#[test]
fn the_listening_line_says_the_bound_port_even_when_the_issuer_names_another() {
    let port = free_port();
    let mut child = local_api(
        &[],
        &[
            ("PORT", &port.to_string()),
            ("ISSUER", "http://127.0.0.1:8080/"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let listening = loop {
        match received.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.contains("listening on") => break line,
            Ok(_) => continue,
            Err(err) => {
                let _ = child.kill();
                panic!("no listening line: {err}");
            }
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        listening.contains(&format!("listening on http://127.0.0.1:{port}/")),
        "{listening}"
    );
    assert!(
        listening.contains("issuer http://127.0.0.1:8080/"),
        "{listening}"
    );
}
