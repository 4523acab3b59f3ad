//! The configuration: defaults, and each bad variable named.

use super::*;
use std::collections::HashMap;

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

const BASE: [(&str, &str); 4] = [
    ("ISSUER", "https://auth.example/"),
    ("SIGNING_KEY_PEM", "pem"),
    ("RS256_SIGNING_KEY_PEM", "rsa pem"),
    ("CLIENTS_JSON", "[]"),
];

#[test]
fn defaults_fill_in_lifetimes_and_audience() {
    let config = Config::from_lookup(vars(&BASE)).unwrap();
    assert_eq!(config.id_token_ttl, 36_000);
    assert_eq!(config.api_audience, "https://auth.example/api/");
    assert!(config.dynamodb.is_none());
    assert!(config.dpop_nonce_required);
}

#[test]
fn dpop_nonce_is_required_or_off() {
    let mut off = BASE.to_vec();
    off.push(("DPOP_NONCE", "off"));
    assert!(!Config::from_lookup(vars(&off)).unwrap().dpop_nonce_required);
    let mut typo = BASE.to_vec();
    typo.push(("DPOP_NONCE", "yes"));
    let err = Config::from_lookup(vars(&typo)).unwrap_err().to_string();
    assert!(err.contains("DPOP_NONCE") && err.contains("off"), "{err}");
}

#[test]
fn each_bad_variable_is_named() {
    let mut missing = BASE.to_vec();
    missing.retain(|(k, _)| *k != "CLIENTS_JSON");
    let err = Config::from_lookup(vars(&missing)).unwrap_err().to_string();
    assert!(err.contains("CLIENTS_JSON"), "{err}");

    let mut slashless = BASE.to_vec();
    slashless[0] = ("ISSUER", "https://auth.example");
    assert!(Config::from_lookup(vars(&slashless))
        .unwrap_err()
        .to_string()
        .contains("ISSUER"));

    let mut ttl = BASE.to_vec();
    ttl.push(("ID_TOKEN_TTL_SECONDS", "-5"));
    assert!(Config::from_lookup(vars(&ttl))
        .unwrap_err()
        .to_string()
        .contains("ID_TOKEN_TTL_SECONDS"));

    let mut clients = BASE.to_vec();
    clients[3] = ("CLIENTS_JSON", "{not json");
    assert!(Config::from_lookup(vars(&clients))
        .unwrap_err()
        .to_string()
        .contains("CLIENTS_JSON"));

    let mut no_rsa = BASE.to_vec();
    no_rsa.retain(|(k, _)| *k != "RS256_SIGNING_KEY_PEM");
    let err = Config::from_lookup(vars(&no_rsa)).unwrap_err().to_string();
    assert!(err.contains("RS256_SIGNING_KEY_PEM"), "{err}");
    no_rsa.push(("SIGNING_ALGORITHM", "RS256"));
    assert!(Config::from_lookup(vars(&no_rsa)).is_ok());
}
