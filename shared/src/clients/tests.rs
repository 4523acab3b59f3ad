//! The clients document: parsing, validation and lookups.

use super::*;

fn registry() -> ClientRegistry {
    let hash = hash_client_secret(&ClientSecret::new("s3cret"));
    let json = format!(
        r#"[{{"client_id":"web","name":"Web","callbacks":["https://app.example/cb"],
             "web_origins":["https://app.example"],"refresh_tokens":true}},
            {{"client_id":"admin","name":"Admin","client_secret_hash":"{hash}",
             "grant_types":["client_credentials"],"scopes":["read:device_credentials"]}}]"#
    );
    ClientRegistry::from_json(&json).unwrap()
}

#[test]
fn callbacks_match_exactly() {
    let registry = registry();
    let web = registry.get("web").unwrap();
    assert!(web.allows_callback("https://app.example/cb"));
    assert!(!web.allows_callback("https://app.example/cb/"));
    assert!(!web.allows_callback("https://APP.example/cb"));
}

#[test]
fn confidential_clients_check_their_secret() {
    let registry = registry();
    let admin = registry.get("admin").unwrap();
    assert!(admin.is_confidential());
    assert!(admin.secret_matches(&ClientSecret::new("s3cret")));
    assert!(!admin.secret_matches(&ClientSecret::new("s3cret ")));
    assert!(!registry
        .get("web")
        .unwrap()
        .secret_matches(&ClientSecret::new("")));
}

#[test]
fn invalid_documents_name_the_problem() {
    let dup = r#"[{"client_id":"a","name":"A"},{"client_id":"a","name":"B"}]"#;
    assert!(matches!(
        ClientRegistry::from_json(dup),
        Err(ClientConfigError::Duplicate(_))
    ));
    let origin = r#"[{"client_id":"a","name":"A","web_origins":["https://x.example/path"]}]"#;
    let err = ClientRegistry::from_json(origin).unwrap_err().to_string();
    assert!(err.contains("origin"), "{err}");
    assert!(ClientRegistry::from_json(r#"[{"client_id":"a#b","name":"A"}]"#).is_err());
    let unicode = r#"[{"client_id":"a","name":"A","callbacks":["https://exämple.com/cb"]}]"#;
    assert!(
        ClientRegistry::from_json(unicode).is_err(),
        "a callback must be usable as a Location header"
    );
}
