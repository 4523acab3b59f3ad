//! A newcomer's configuration mistakes: the local server refuses to start
//! with one line that names the variable, what is wrong and the fix; and a
//! new DynamoDB table is waited for until it takes writes.

use std::collections::HashMap;

use jsonwebtoken::Algorithm;
use shared::keys::SigningKey;

use crate::dynalite;

/// The startup error for these variables, as the one line the server prints.
async fn refusal(vars: &[(&str, String)]) -> String {
    let vars: HashMap<&str, String> = vars.iter().cloned().collect();
    let error = match local_api::build(|k| vars.get(k).cloned(), 3000).await {
        Ok(_) => panic!("the server started with {:?}", vars.keys()),
        Err(error) => error.to_string(),
    };
    assert!(!error.contains('\n'), "one line: {error}");
    assert!(error.len() < 400, "short, not SDK internals: {error}");
    error
}

fn pem(algorithm: Algorithm) -> String {
    SigningKey::generate_pem(algorithm)
        .unwrap()
        .expose_secret()
        .to_owned()
}

#[tokio::test]
async fn an_rs256_key_with_the_default_algorithm_names_the_fix() {
    let error = refusal(&[("SIGNING_KEY_PEM", pem(Algorithm::RS256))]).await;
    assert!(error.contains("SIGNING_KEY_PEM"), "{error}");
    assert!(error.contains("set SIGNING_ALGORITHM=RS256"), "{error}");
    let error = refusal(&[
        ("SIGNING_KEY_PEM", pem(Algorithm::ES256)),
        ("SIGNING_ALGORITHM", "EdDSA".into()),
    ])
    .await;
    assert!(error.contains("set SIGNING_ALGORITHM=ES256"), "{error}");
    let error = refusal(&[("SIGNING_KEY_PEM", "not a key".into())]).await;
    assert!(
        error.contains("SIGNING_KEY_PEM") && error.contains("PEM"),
        "{error}"
    );
    assert!(!error.contains("not a key"), "the value is never echoed");
}

#[tokio::test]
async fn the_rs256_key_must_be_an_rsa_key_and_clients_may_only_ask_for_held_algorithms() {
    let error = refusal(&[("RS256_SIGNING_KEY_PEM", pem(Algorithm::ES256))]).await;
    assert!(
        error.starts_with("configuration: RS256_SIGNING_KEY_PEM"),
        "{error}"
    );
    assert!(error.contains("RSA private key"), "{error}");
    let client = |alg: &str| {
        format!(
            r#"[{{"client_id":"app","name":"App","callbacks":["https://app.example/cb"],
                 "id_token_signed_response_alg":"{alg}"}}]"#
        )
    };
    let error = refusal(&[
        ("SIGNING_ALGORITHM", "EdDSA".into()),
        ("CLIENTS_JSON", client("ES256")),
    ])
    .await;
    assert!(
        error.contains("CLIENTS_JSON") && error.contains("client app"),
        "{error}"
    );
    assert!(error.contains("EdDSA and RS256 only"), "{error}");
    let error = refusal(&[("CLIENTS_JSON", client("HS256"))]).await;
    assert!(error.contains("id_token_signed_response_alg"), "{error}");
}

#[tokio::test]
async fn one_client_object_instead_of_an_array_says_clients_json_is_an_array() {
    let client = r#"{"client_id":"app","name":"App","callbacks":["https://app.example/cb"]}"#;
    let error = refusal(&[("CLIENTS_JSON", client.into())]).await;
    assert!(error.contains("CLIENTS_JSON"), "{error}");
    assert!(error.contains("JSON array of client objects"), "{error}");
}

#[tokio::test]
async fn a_bad_algorithm_or_lifetime_names_its_variable() {
    let error = refusal(&[("SIGNING_ALGORITHM", "HS256".into())]).await;
    assert!(error.contains("SIGNING_ALGORITHM"), "{error}");
    let error = refusal(&[("ACCESS_TOKEN_TTL_SECONDS", "soon".into())]).await;
    assert!(error.contains("ACCESS_TOKEN_TTL_SECONDS"), "{error}");
}

#[tokio::test]
async fn a_table_with_no_dynamodb_behind_it_names_the_endpoint_and_the_variables() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let error = refusal(&[
        ("TABLE_NAME", "nowhere".into()),
        ("DYNAMODB_ENDPOINT_URL", endpoint.clone()),
    ])
    .await;
    for needed in [
        "TABLE_NAME nowhere",
        &endpoint,
        "DYNAMODB_ENDPOINT_URL",
        "(connection refused)",
    ] {
        assert!(error.contains(needed), "{needed} in {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_table_waits_for_the_new_table_before_seeding() {
    // A new table is CREATING for a moment; seeding the demo user then used
    // to fail with ResourceNotFoundException about one start in ten.
    let endpoint = dynalite::endpoint();
    for round in 0..25 {
        let vars = HashMap::from([
            ("TABLE_NAME", format!("startup-create-{round}")),
            ("DYNAMODB_ENDPOINT_URL", endpoint.clone()),
            ("CREATE_TABLE", "true".to_owned()),
            ("SIGNING_ALGORITHM", "ES256".to_owned()),
        ]);
        let app = local_api::build(|k| vars.get(k).cloned(), 3000).await;
        let app = app.unwrap_or_else(|e| panic!("start {round}: {e}"));
        assert!(
            app.notes.iter().any(|n| n.contains("seeded user")),
            "start {round}"
        );
    }
}
