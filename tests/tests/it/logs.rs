//! Log capture, and the proof that no secret reaches the logs: every line
//! written during the end-to-end flow on dynalite and the whole hostile suite,
//! at every level and from every crate (the AWS SDK included), is searched
//! for every token, password, client secret, key and token hash in play.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use shared::refresh_token;
use shared::secret::RefreshTokenValue;
use tracing::subscriber::DefaultGuard;

use crate::helpers::{refresh_keys, spawn_app};
use crate::hostile::Fixture;

/// Every log line written while the guard lives, as text.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Captures, as JSON lines, what this thread logs at `level` and above,
/// through the same filter the functions use.
/// Tests using it run on the current-thread runtime, so the servers they
/// spawn log on the same thread.
pub fn capture(level: tracing::Level) -> (Captured, DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter(shared::telemetry::filter(level.into()))
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    // A callsite first hit by another test thread while this subscriber was
    // being registered can keep the interest it had without it; recompute.
    tracing::callsite::rebuild_interest_cache();
    (captured, guard)
}

/// The forms a secret could take in a log: the whole value, its last part
/// (a JWT's signature, a refresh token's secret), and for a refresh token
/// the hash we store, in hex and base64.
fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    if let Some(last) = secret.rsplit('.').next().filter(|p| p.len() >= 16) {
        forms.push(last.to_owned());
    }
    if let Ok(token) = refresh_token::parse(&refresh_keys(), &RefreshTokenValue::new(secret)) {
        let hash = token.hash.as_bytes();
        forms.push(hash.iter().map(|b| format!("{b:02x}")).collect());
        forms.push(STANDARD.encode(hash));
        forms.push(URL_SAFE_NO_PAD.encode(hash));
        forms.push(token.hash.slot_tag());
    }
    forms
}

/// The events the flow and the hostile suite don't cause: reuse of a
/// refresh token and of a code, a logout and an admin's action. Returns
/// the secrets they used.
async fn rare_events() -> Vec<String> {
    use crate::handlers::device_pages::{browser_signed_in, hidden, page_get, page_post};
    use crate::handlers::dpop::{exchange_keeping_code, redeem};
    use crate::handlers::harness::{send, Call, Gateway, Harness};

    let harness = Harness::new().await;
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    let first = tokens["refresh_token"].clone();
    let second = harness.refresh(&first, &[]).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(harness.refresh(&second, &[]).await.status, 200);
    assert_eq!(harness.refresh(&first, &[]).await.status, 400, "reuse");
    let (exchanged, code) = exchange_keeping_code(&harness, "web", None).await;
    assert_eq!(
        redeem(&harness, "web", &code, None).await.status,
        400,
        "code reuse"
    );
    let logout = Call::get("/oidc/logout", "client_id=web");
    assert_eq!(
        send(&harness.authorize(), Gateway::HttpApi, &logout)
            .await
            .status,
        200
    );
    let root = browser_signed_in(&harness, "root@example.com").await;
    let console = page_get(&harness, "/admin", "email=ana%40example.com", Some(&root)).await;
    let csrf = hidden(&console.body, "csrf_token");
    let all = [
        ("csrf_token", csrf.as_str()),
        ("user_id", "usr_ana"),
        ("email", "ana@example.com"),
    ];
    assert_eq!(
        page_post(&harness, "/admin/revoke-all", &all, &root)
            .await
            .status,
        303
    );
    let cookie_values = root
        .split("; ")
        .filter_map(|c| c.split_once('='))
        .map(|(_, v)| v.to_owned());
    let mut secrets: Vec<String> = vec![first, second, code, csrf];
    secrets.extend(cookie_values);
    secrets.extend(
        ["access_token", "id_token"]
            .iter()
            .filter_map(|k| tokens.get(*k).cloned()),
    );
    secrets.extend(
        ["access_token", "refresh_token", "id_token"]
            .iter()
            .filter_map(|k| exchanged.json()[k].as_str().map(str::to_owned)),
    );
    secrets
}

#[tokio::test]
async fn no_secret_reaches_the_logs_in_the_flow_or_the_hostile_suite() {
    let (captured, _guard) = capture(tracing::Level::TRACE);
    let app = spawn_app().await;
    // Other tests' threads register callsites meanwhile, and the interest
    // they leave cached can hide this thread's events; recompute before each
    // phase (each phase also checks that its own events were captured).
    tracing::callsite::rebuild_interest_cache();
    let mut secrets = crate::e2e::classic_flow(&app).await;
    // Brute force until blocked: the block is a security event, and neither
    // the wrong passwords nor the right one reach the log.
    let wrong = "guess-Zq7wXk2v";
    for _ in 0..10 {
        app.sign_in_as("laptop", "nobody@example.com", wrong).await;
    }
    assert_eq!(
        app.sign_in_as("laptop", "nobody@example.com", wrong)
            .await
            .status(),
        429
    );
    secrets.extend([
        wrong.to_owned(),
        local_api::DEMO_PASSWORD.to_owned(),
        local_api::ADMIN_SECRET.to_owned(),
    ]);
    tracing::callsite::rebuild_interest_cache();
    secrets.extend(rare_events().await);
    let fixture = Fixture::new().await;
    tracing::callsite::rebuild_interest_cache();
    let cases = fixture.run_all().await;
    secrets.extend(fixture.secrets());
    let pem = fixture.harness.key_pem.clone();
    secrets.extend(
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::to_owned),
    );

    let log = captured.text();
    let refusals = log.matches("request refused").count();
    assert!(
        refusals > cases / 2,
        "the suite's refusals were captured ({refusals})"
    );
    // Every security event code: the flows above make each happen.
    let missing: Vec<&str> = shared::observe::EventCode::ALL
        .iter()
        .map(|code| code.code())
        .filter(|code| !log.contains(&format!("\"event\":\"{code}\"")))
        .collect();
    assert!(
        missing.is_empty(),
        "every security event is captured; missing {missing:?}"
    );
    assert!(
        log.contains("sign_in_blocked") && log.contains(r#""user_id":"none""#),
        "the block is logged, naming no account for an unknown login"
    );
    for secret in &secrets {
        for form in forms(secret) {
            assert!(
                !log.contains(&form),
                "a secret reached the log: {}…",
                &form[..6.min(form.len())]
            );
        }
    }
}
