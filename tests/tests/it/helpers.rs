//! Spawns the local server on a random port with a fresh dynalite table, and
//! drives it over HTTP the way a browser and an app would.

use std::collections::HashMap;

use reqwest::redirect::Policy;
use std::sync::Arc;

use serde_json::Value;
use shared::store::Store;
use tokio::net::TcpListener;

use crate::dynalite::fresh_table;

/// Every `.rs` file under `dir` (a path from the repository root), with its text.
pub fn rust_files(dir: &str) -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    let mut dirs = vec![root.join(dir)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path, text));
            }
        }
    }
    found
}

#[derive(Clone)]
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
}

pub const REDIRECT_PATH: &str = "/callback";

/// The refresh-token keys of the test servers and harnesses, so a test can
/// open the tokens they issue.
pub const TEST_REFRESH_KEYS: &str = "t1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

/// [`TEST_REFRESH_KEYS`], parsed.
pub fn refresh_keys() -> shared::refresh_token::RefreshKeys {
    shared::refresh_token::RefreshKeys::parse(TEST_REFRESH_KEYS).unwrap()
}

/// The local server backed by dynalite, as `cargo run -p local-api` serves it with DynamoDB settings.
pub async fn spawn_app() -> TestApp {
    let table = fresh_table().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let vars = HashMap::from([
        ("TABLE_NAME", table.table_name.clone()),
        ("DYNAMODB_ENDPOINT_URL", table.endpoint_url.clone().unwrap()),
        ("SIGNING_ALGORITHM", "ES256".to_owned()),
        ("REFRESH_TOKEN_KEYS", TEST_REFRESH_KEYS.to_owned()),
    ]);
    let app = local_api::build(|k| vars.get(k).cloned(), port)
        .await
        .unwrap();
    let store = app.store.clone();
    let service = app
        .router
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        http,
        store,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn authorize_query(&self, device: &str) -> String {
        self.authorize_query_of("local-demo", device)
    }

    pub fn authorize_query_of(&self, client_id: &str, device: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("response_type", "token");
        query.append_pair("client_id", client_id);
        query.append_pair("redirect_uri", &self.url(REDIRECT_PATH));
        query.append_pair("scope", "openid profile email offline_access");
        query.append_pair("device", device);
        query.append_pair("state", "e2e-state");
        query.append_pair("nonce", "e2e-nonce");
        query.finish()
    }

    /// GET the login page, then POST the form as a browser would, as the demo user.
    pub async fn sign_in(&self, device: &str, password: &str) -> reqwest::Response {
        self.sign_in_as(device, local_api::DEMO_USERNAME, password)
            .await
    }

    /// GET the login page, then POST the form as a browser would.
    pub async fn sign_in_as(&self, device: &str, login: &str, password: &str) -> reqwest::Response {
        self.sign_in_to("local-demo", device, login, password).await
    }

    /// GET the login page of `client_id`, then POST the form as a browser would.
    pub async fn sign_in_to(
        &self,
        client_id: &str,
        device: &str,
        login: &str,
        password: &str,
    ) -> reqwest::Response {
        let query = self.authorize_query_of(client_id, device);
        let page = self
            .http
            .get(self.url(&format!("/authorize?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let cookie = page.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let html = page.text().await.unwrap();
        let mut fields = crate::handlers::hidden_fields(&html);
        fields.push(("username".into(), login.into()));
        fields.push(("password".into(), password.into()));
        self.http
            .post(self.url("/authorize"))
            .header("cookie", cookie)
            .form(&fields)
            .send()
            .await
            .unwrap()
    }

    /// Signs the demo user in on `device` and returns the fragment's values.
    pub async fn tokens(&self, device: &str) -> HashMap<String, String> {
        self.tokens_of("local-demo", device).await
    }

    /// Signs the demo user in to `client_id` on `device`; the fragment's values.
    pub async fn tokens_of(&self, client_id: &str, device: &str) -> HashMap<String, String> {
        let response = self
            .sign_in_to(
                client_id,
                device,
                local_api::DEMO_USERNAME,
                local_api::DEMO_PASSWORD,
            )
            .await;
        assert_eq!(response.status(), 303);
        let (target, fragment) = Self::redirect_fragment(&response);
        assert_eq!(target, self.url(REDIRECT_PATH));
        fragment
    }

    /// `POST /oauth/token` with the refresh grant: the status and the JSON answer.
    pub async fn refresh_grant(&self, client_id: &str, token: &str) -> (u16, Value) {
        let response = self
            .http
            .post(self.url("/oauth/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", client_id),
                ("refresh_token", token),
            ])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn delegation_json(&self, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url("/delegation"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// `GET /api/users/{user}/refresh_tokens` as the bearer; the JSON answer.
    pub async fn list(&self, user: &str, bearer: &str) -> Value {
        let url = self.url(&format!("/api/users/{user}/refresh_tokens"));
        let response = self.http.get(url).bearer_auth(bearer).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// `DELETE /api/users/{user}/refresh_tokens/{token_or_id}` as the bearer; the status.
    pub async fn revoke(&self, user: &str, token_or_id: &str, bearer: &str) -> u16 {
        let url = self.url(&format!("/api/users/{user}/refresh_tokens/{token_or_id}"));
        self.http
            .delete(url)
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// The location a sign-in redirected to, split into the target and the fragment's values.
    pub fn redirect_fragment(response: &reqwest::Response) -> (String, HashMap<String, String>) {
        let location = response.headers()["location"].to_str().unwrap();
        let (target, fragment) = location.split_once('#').unwrap();
        (
            target.to_owned(),
            url::form_urlencoded::parse(fragment.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// An admin access token from `client_credentials` with HTTP Basic.
    pub async fn admin_token(&self) -> String {
        let response = self
            .http
            .post(self.url("/oauth/token"))
            .basic_auth("local-admin", Some("local-admin-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}
