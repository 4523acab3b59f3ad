//! Starts one dynalite (a local DynamoDB API, from npm) for the whole test
//! binary, and hands each test a fresh table. If dynalite can't start, the
//! tests that need it fail with a message saying how to install it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use shared::store::dynamodb::{DynamoSettings, DynamoStore};

struct Dynalite {
    endpoint: String,
    // Kept so the process lives as long as the tests; its stdin closes when
    // the test binary exits, and dynalite exits with it.
    _child: Mutex<Child>,
}

fn start() -> Result<Dynalite, String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dynalite");
    if !dir.join("node_modules/dynalite").exists() {
        return Err(format!(
            "dynalite is not installed: run `npm ci --prefix {}`",
            dir.display()
        ));
    }
    let mut child = Command::new("node")
        .arg(dir.join("start.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("could not run node to start dynalite: {e}"))?;
    let stdout = child.stdout.take().ok_or("dynalite has no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading dynalite's port: {e}"))?;
    let port: u16 = line
        .trim()
        .parse()
        .map_err(|_| format!("dynalite did not print its port (got {line:?})"))?;
    Ok(Dynalite {
        endpoint: format!("http://127.0.0.1:{port}"),
        _child: Mutex::new(child),
    })
}

/// The endpoint of the shared dynalite; panics with a clear message when it can't start.
pub fn endpoint() -> String {
    static DYNALITE: OnceLock<Result<Dynalite, String>> = OnceLock::new();
    match DYNALITE.get_or_init(start) {
        Ok(dynalite) => dynalite.endpoint.clone(),
        Err(problem) => panic!("these tests need dynalite, which could not start: {problem}"),
    }
}

/// Settings for a new, empty table on the shared dynalite.
pub async fn fresh_table() -> DynamoSettings {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let settings = DynamoSettings {
        table_name: format!(
            "offline-access-test-{}",
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ),
        endpoint_url: Some(endpoint()),
    };
    DynamoStore::connect(&settings)
        .await
        .create_table_if_missing()
        .await
        .expect("create the test table on dynalite");
    settings
}
