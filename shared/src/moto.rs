//! Test support: moto's server, a local endpoint for AWS's Secrets Manager,
//! EventBridge and SQS (pinned in tests/python/requirements.txt;
//! `scripts/python-tools` installs it), and boto3 beside it, an independent
//! client to set up and read what the tests need.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// moto's server, stopped when dropped.
pub struct Moto {
    /// Its endpoint URL.
    pub url: String,
    child: Child,
    bin: PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Where moto_server is: on PATH, or in the tools venv.
fn moto_bin() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/venv/bin");
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([venv])
        .find(|dir| dir.join("moto_server").exists())
        .unwrap_or_else(|| {
            panic!(
                "these tests need moto's server: run scripts/python-tools and put its bin/ on PATH"
            )
        })
}

impl Moto {
    /// Starts a server on a free port and waits until it listens.
    pub fn start() -> Self {
        let bin = moto_bin();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(bin.join("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self {
            url: format!("http://127.0.0.1:{port}"),
            child,
            bin,
        }
    }

    /// Runs a Python script with boto3 against this server (`sys.argv[1]`
    /// is its URL), `input` on standard input; its standard output.
    pub fn boto3(&self, script: &str, input: &str) -> String {
        let mut child = Command::new(self.bin.join("python"))
            .args(["-c", script, &self.url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), input.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "the boto3 script failed");
        String::from_utf8(output.stdout).unwrap()
    }
}
