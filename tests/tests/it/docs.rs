//! The docs state configuration shapes; these tests hold them to the code:
//! every client JSON example parses with the real client type, the rotation
//! note's policy fields exist, and every variable the README's configuration
//! table names is one the code reads.

use std::path::{Path, PathBuf};

use shared::clients::ClientRegistry;

use crate::helpers::rust_files;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

/// The README and every design note.
fn docs() -> Vec<(String, String)> {
    let mut docs = vec![("README.md".to_owned(), read("README.md"))];
    for entry in std::fs::read_dir(repo().join("docs/design")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = path.display().to_string();
            docs.push((name, std::fs::read_to_string(path).unwrap()));
        }
    }
    docs
}

/// The bodies of a document's ```json blocks.
fn json_blocks(text: &str) -> Vec<String> {
    text.split("```json\n")
        .skip(1)
        .filter_map(|rest| rest.split("\n```").next())
        .map(str::to_owned)
        .collect()
}

/// `<64 hex digits>`-style placeholders, filled in with something valid.
fn filled(block: &str) -> String {
    block.replace("<64 hex digits>", &"0".repeat(64))
}

#[test]
fn every_client_example_in_the_docs_parses_as_clients_json() {
    let mut checked = 0;
    for (name, text) in docs() {
        for block in json_blocks(&text)
            .iter()
            .filter(|b| b.contains("\"client_id\""))
        {
            let block = filled(block);
            let document = if block.trim_start().starts_with('[') {
                block.clone()
            } else {
                format!("[{block}]")
            };
            if let Err(err) = ClientRegistry::from_json(&document) {
                panic!("a client example in {name} does not parse: {err}\n{block}");
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 2,
        "the README and the rotation note show clients"
    );
}

#[test]
fn the_rotation_notes_policy_fields_are_the_ones_the_code_reads() {
    let note = read("docs/design/refresh-rotation.md");
    let table = note
        .split("## Lifetimes and settings")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap();
    let fields: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('`').nth(1))
        .collect();
    assert!(fields.len() >= 4, "{fields:?}");
    for field in fields {
        let value = if field == "rotate" { "true" } else { "10" };
        let client = format!(
            r#"[{{"client_id":"a","name":"A","refresh_token_policy":{{"{field}":{value}}}}}]"#
        );
        assert!(
            ClientRegistry::from_json(&client).is_ok(),
            "refresh_token_policy has no field {field}"
        );
    }
}

/// The Rust sources of the crates that read configuration.
fn sources() -> String {
    let files = rust_files("shared/src")
        .into_iter()
        .chain(rust_files("local/src"));
    files.map(|(_, text)| text).collect()
}

#[test]
fn every_variable_in_the_readmes_configuration_table_is_read_by_the_code() {
    let readme = read("README.md");
    let sources = sources();
    let mut checked = 0;
    for row in readme.lines().filter(|l| l.starts_with("| `")) {
        let first_cell = row.split(" | ").next().unwrap_or_default();
        for name in first_cell.split('`').skip(1).step_by(2) {
            let variable = name.split('=').next().unwrap_or_default();
            let is_variable = !variable.is_empty()
                && variable
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            // The SDK and the Lambda runtime read these themselves.
            if !is_variable || variable.starts_with("AWS_") || variable == "RUST_LOG" {
                continue;
            }
            assert!(
                sources.contains(&format!("\"{variable}\"")),
                "the README documents {variable}, which the code never reads"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "the configuration table was found ({checked})"
    );
}
