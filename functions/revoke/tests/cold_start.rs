//! A function started with a bad configuration stops with exactly one log
//! line naming the problem, and never prints a secret. (All three functions
//! share `shared::app::cold_start`; this runs the revoke binary.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

const MARKER: &str = "c2VjcmV0LWtleS1ieXRlcw";

fn start(vars: &[(&str, &str)]) -> (bool, Vec<String>) {
    common::run(vars)
}

fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ISSUER", "https://auth.example.com/"),
        ("TABLE_NAME", "offline-access"),
        ("AWS_REGION", "us-east-1"),
        ("SIGNING_ALGORITHM", "ES256"),
        (
            "SIGNING_KEY_PEM",
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw\n-----END PRIVATE KEY-----\n",
        ),
        (
            "RS256_SIGNING_KEY_PEM",
            "-----BEGIN PRIVATE KEY-----\nbm90LWFuLXJzYS1rZXk\n-----END PRIVATE KEY-----\n",
        ),
        (
            "REFRESH_TOKEN_KEYS",
            "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        ),
        ("CLIENTS_JSON", "[]"),
    ]
}

fn with(name: &'static str, value: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
    let mut vars: Vec<_> = base().into_iter().filter(|(n, _)| *n != name).collect();
    if let Some(value) = value {
        vars.push((name, value));
    }
    vars
}

#[test]
fn a_bad_configuration_stops_with_one_line_naming_it() {
    for (vars, named) in [
        (with("TABLE_NAME", None), "TABLE_NAME"),
        (
            with("CLIENTS_JSON", Some("[{\"client_id\": 5}")),
            "CLIENTS_JSON",
        ),
        (with("ISSUER", Some("auth.example.com")), "ISSUER"),
        (with("SIGNING_ALGORITHM", Some("none")), "SIGNING_ALGORITHM"),
        (with("RS256_SIGNING_KEY_PEM", None), "RS256_SIGNING_KEY_PEM"),
        (with("REFRESH_TOKEN_KEYS", None), "REFRESH_TOKEN_KEYS"),
        (
            with("REFRESH_TOKEN_KEYS", Some("k1:c2hvcnQ")),
            "REFRESH_TOKEN_KEYS",
        ),
        (
            with(
                "SIGNING_KEY_SECRET_ARN",
                Some("arn:aws:secretsmanager:us-east-1:123456789012:secret:signing"),
            ),
            "SIGNING_KEY_SECRET_ARN",
        ),
        (base(), "SIGNING_KEY_PEM"),
    ] {
        let (succeeded, lines) = start(&vars);
        assert!(!succeeded, "{named}: the function must not start");
        assert_eq!(lines.len(), 1, "{named}: one line, got {lines:#?}");
        assert!(lines[0].contains(named), "{named}: {}", lines[0]);
        assert!(lines[0].contains("cold start failed"), "{}", lines[0]);
        assert!(
            !lines[0].contains(MARKER),
            "the key's bytes are never logged"
        );
    }
}
