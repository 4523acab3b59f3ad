//! Keys from AWS Secrets Manager at cold start, over HTTP against a local
//! Secrets Manager (moto's server, pinned in tests/python/requirements.txt;
//! `scripts/python-tools` installs it and `scripts/test` puts it on PATH).
//! The secrets are made with boto3, an independent client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use shared::app::Services;
use shared::config::Config;
use shared::keys::{Algorithm, SigningKey};
use shared::moto::Moto;

const REFRESH_KEYS: &str = "k7:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

/// Creates the secrets with boto3; their ARNs, in order.
fn create(moto: &Moto, secrets: &[(&str, &str)]) -> Vec<String> {
    let script = r#"
import json, sys, boto3
client = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
pairs = json.loads(sys.stdin.read())
print(json.dumps([client.create_secret(Name=n, SecretString=v)["ARN"] for n, v in pairs]))
"#;
    let pairs: Vec<[&str; 2]> = secrets.iter().map(|(n, v)| [*n, *v]).collect();
    parse_list(&moto.boto3(script, &serde_json_text(&pairs)))
}

/// A JSON array of string pairs (no serde in this crate's tests).
fn serde_json_text(pairs: &[[&str; 2]]) -> String {
    let quote = |s: &str| format!("{s:?}");
    let items: Vec<String> = pairs
        .iter()
        .map(|[a, b]| format!("[{},{}]", quote(a), quote(b)))
        .collect();
    format!("[{}]", items.join(","))
}

/// A JSON array of ARNs (they hold no quotes or escapes).
fn parse_list(text: &str) -> Vec<String> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .collect()
}

fn pem(algorithm: Algorithm) -> String {
    SigningKey::generate_pem(algorithm)
        .unwrap()
        .expose_secret()
        .to_owned()
}

#[tokio::test]
async fn the_keys_come_from_their_secrets_and_the_service_starts_with_them() {
    let moto = Moto::start();
    let (es256, rsa) = (pem(Algorithm::ES256), pem(Algorithm::RS256));
    let arns = create(
        &moto,
        &[
            ("signing", &es256),
            ("rs256", &rsa),
            ("refresh", REFRESH_KEYS),
        ],
    );
    let vars = [
        ("SIGNING_KEY_SECRET_ARN", arns[0].clone()),
        ("RS256_SIGNING_KEY_SECRET_ARN", arns[1].clone()),
        ("REFRESH_TOKEN_KEYS_SECRET_ARN", arns[2].clone()),
        ("SECRETS_MANAGER_ENDPOINT_URL", moto.url.clone()),
        ("ISSUER", "https://auth.example.com/".into()),
        ("CLIENTS_JSON", "[]".into()),
        ("TABLE_NAME", "offline-access".into()),
    ];
    let env = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    let secrets = shared::secrets::resolve(env).await.unwrap();
    assert!(!format!("{secrets:?}").contains("PRIVATE KEY"));
    let config =
        Config::lambda_from_lookup(|name| secrets.get(name).or_else(|| env(name))).unwrap();
    let services = Services::from_config(&config).unwrap();
    let from_secret = SigningKey::from_pem(
        &shared::secret::PrivateKeyPem::new(es256),
        Algorithm::ES256,
        None,
    )
    .unwrap();
    assert_eq!(services.authority.signer.key().kid(), from_secret.kid());
    assert_eq!(services.authority.refresh_keys.ids(), ["k7"]);
    assert_eq!(
        services.authority.signer.jwks().keys.len(),
        2,
        "ES256 and RS256"
    );
}

/// Runs the revoke function's cold start with `vars`; whether it got past
/// the configuration, and its output lines.
fn cold_start(vars: &[(&str, &str)]) -> (bool, Vec<String>) {
    let (_, lines) = common::run(vars);
    let failed = lines.iter().any(|l| l.contains("cold start failed"));
    (!failed, lines)
}

#[test]
fn a_missing_secret_a_wrong_arn_or_a_malformed_key_stops_the_cold_start_in_one_line() {
    let moto = Moto::start();
    let rsa = pem(Algorithm::RS256);
    let arns = create(
        &moto,
        &[
            (
                "bad-pem",
                "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
            ),
            ("rsa", &rsa),
            ("refresh", REFRESH_KEYS),
        ],
    );
    let missing = arns[0].replace("bad-pem", "no-such-secret");
    let base = |signing: &str| {
        vec![
            ("ISSUER", "https://auth.example.com/".to_owned()),
            ("TABLE_NAME", "offline-access".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("CLIENTS_JSON", "[]".to_owned()),
            ("SECRETS_MANAGER_ENDPOINT_URL", moto.url.clone()),
            ("SIGNING_KEY_SECRET_ARN", signing.to_owned()),
            ("RS256_SIGNING_KEY_SECRET_ARN", arns[1].clone()),
            ("REFRESH_TOKEN_KEYS_SECRET_ARN", arns[2].clone()),
        ]
    };
    for (signing, named, says) in [
        (
            missing.as_str(),
            "SIGNING_KEY_SECRET_ARN",
            "ResourceNotFoundException",
        ),
        ("signing-key", "SIGNING_KEY_SECRET_ARN", "not a secret ARN"),
        (arns[0].as_str(), "SIGNING_KEY_PEM", "PEM"),
    ] {
        let vars = base(signing);
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (started, lines) = cold_start(&vars);
        assert!(!started, "{named}: must not start");
        assert_eq!(lines.len(), 1, "{named}: one line, got {lines:#?}");
        assert!(
            lines[0].contains(named) && lines[0].contains(says),
            "{}",
            lines[0]
        );
        assert!(
            !lines[0].contains("bm90IGEga2V5"),
            "no key bytes in {}",
            lines[0]
        );
    }
    // With a good key, the cold start gets past the configuration (and then
    // stops only for want of the Lambda runtime API).
    let es256 = pem(Algorithm::ES256);
    let good = create(&moto, &[("signing", &es256)]);
    let vars = base(&good[0]);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (started, lines) = cold_start(&vars);
    assert!(started, "{lines:#?}");
}
