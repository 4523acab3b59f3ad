//! The layering of `docs/design/layering.md`, held by reading the sources:
//! the domain never imports the edge or the wiring, the store never imports
//! the domain or the edge, and the edge's modules have no import cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::helpers::rust_files;

fn assert_never_imports(layer: &str, forbidden: &[&str]) {
    let files = rust_files(&format!("shared/src/{layer}"));
    assert!(!files.is_empty(), "{layer} has files");
    for (path, text) in files {
        for name in forbidden {
            assert!(
                !text.contains(name),
                "{} uses {name}; see docs/design/layering.md",
                path.display()
            );
        }
    }
}

#[test]
fn the_domain_never_imports_the_edge_the_wiring_or_axum() {
    assert_never_imports(
        "domain",
        &[
            "crate::http",
            "crate::app",
            "axum::",
            "DynamoStore",
            "MemoryStore",
        ],
    );
}

#[test]
fn the_store_never_imports_the_domain_or_the_edge() {
    assert_never_imports("store", &["crate::domain", "crate::http", "crate::app"]);
}

#[test]
fn the_edge_modules_import_each_other_without_a_cycle() {
    let http = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src/http");
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in rust_files("shared/src/http") {
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let uses = text
            .split("crate::http::")
            .skip(1)
            .chain(text.split("super::").skip(1))
            .flat_map(|rest| {
                // `a::B`, or `{a, b::C, …}`: the first segment of each path.
                let paths: Vec<&str> = match rest.strip_prefix('{') {
                    Some(inner) => inner
                        .split('}')
                        .next()
                        .unwrap_or_default()
                        .split(',')
                        .collect(),
                    None => vec![rest],
                };
                let names: Vec<String> = paths
                    .into_iter()
                    .map(|path| {
                        path.trim()
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect()
                    })
                    .collect();
                names
            })
            .filter(|name| !name.is_empty() && *name != module)
            .filter(|name| http.join(format!("{name}.rs")).exists())
            .collect();
        imports.insert(module, uses);
    }
    assert!(
        imports.len() > 8,
        "the edge's modules were read: {imports:?}"
    );
    // Depth-first search for a back edge.
    fn visit(
        module: &str,
        imports: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(module) {
            return;
        }
        assert!(
            !path.iter().any(|m| m == module),
            "an import cycle at the edge: {} -> {module}",
            path.join(" -> ")
        );
        path.push(module.to_owned());
        for next in imports.get(module).into_iter().flatten() {
            visit(next, imports, path, done);
        }
        path.pop();
        done.insert(module.to_owned());
    }
    let mut done = BTreeSet::new();
    for module in imports.keys() {
        visit(module, &imports, &mut Vec::new(), &mut done);
    }
}
