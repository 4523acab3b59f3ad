//! A local HTTP proxy in front of dynalite that can turn faulty on command:
//! it forwards DynamoDB requests, or delays them, answers throttling errors,
//! answers garbage, or fails only the writes. Plus two endpoints that are
//! not DynamoDB at all: a closed port, and one that drops every connection.
//! It also records which DynamoDB operations went through it.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

/// What the proxy does with each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Forward to dynalite.
    None = 0,
    /// Hold every request far past the SDK's timeouts.
    Delay,
    /// Answer DynamoDB's `ThrottlingException`, as a throttled table does.
    Throttle,
    /// Answer 200 with a body that is not DynamoDB's JSON.
    Garbage,
    /// Answer a load balancer's HTML 502 page.
    BadGateway,
    /// Forward reads; throttle every write.
    FailWrites,
    /// Forward everything, but hold the answer to the next conditional write
    /// for 1 s, past the SDK's 0.8 s attempt timeout, so the SDK retries a
    /// write that was already applied. Then back to `None`.
    LateWriteAnswer,
}

impl Fault {
    fn from_u8(value: u8) -> Self {
        [
            Self::None,
            Self::Delay,
            Self::Throttle,
            Self::Garbage,
            Self::BadGateway,
            Self::FailWrites,
            Self::LateWriteAnswer,
        ]
        .into_iter()
        .find(|f| *f as u8 == value)
        .unwrap()
    }
}

struct Inner {
    upstream: String,
    fault: AtomicU8,
    http: reqwest::Client,
    /// The DynamoDB operations seen, in order (`GetItem`, `UpdateItem`, …).
    calls: std::sync::Mutex<Vec<String>>,
}

/// The running proxy.
#[derive(Clone)]
pub struct FaultProxy {
    pub url: String,
    inner: Arc<Inner>,
}

impl FaultProxy {
    pub async fn start(upstream: &str) -> Self {
        let inner = Arc::new(Inner {
            upstream: upstream.to_owned(),
            fault: AtomicU8::new(Fault::None as u8),
            http: reqwest::Client::new(),
            calls: std::sync::Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, inner }
    }

    pub fn set(&self, fault: Fault) {
        self.inner.fault.store(fault as u8, Ordering::SeqCst);
    }

    /// The DynamoDB operations requested since the last call, in order.
    pub fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.inner.calls.lock().unwrap())
    }
}

const WRITES: [&str; 4] = ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"];

/// Whether a write carries a condition (the ones a retry can trip over).
fn is_conditional(body: &Bytes) -> bool {
    body.windows(b"ConditionExpression".len())
        .any(|w| w == b"ConditionExpression")
}

fn throttled() -> Response {
    let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
    (
        StatusCode::BAD_REQUEST,
        [("content-type", "application/x-amz-json-1.0")],
        body,
    )
        .into_response()
}

async fn handle(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let is_write = WRITES.iter().any(|w| target.ends_with(w));
    let operation = target.rsplit('.').next().unwrap_or_default().to_owned();
    inner.calls.lock().unwrap().push(operation);
    match Fault::from_u8(inner.fault.load(Ordering::SeqCst)) {
        Fault::None => forward(&inner, headers, body).await,
        Fault::LateWriteAnswer if !is_write || !is_conditional(&body) => {
            forward(&inner, headers, body).await
        }
        Fault::LateWriteAnswer => {
            inner.fault.store(Fault::None as u8, Ordering::SeqCst);
            let answer = forward(&inner, headers, body).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            answer
        }
        Fault::FailWrites if !is_write => forward(&inner, headers, body).await,
        Fault::FailWrites | Fault::Throttle => throttled(),
        Fault::Delay => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            forward(&inner, headers, body).await
        }
        Fault::Garbage => (
            StatusCode::OK,
            [("content-type", "application/x-amz-json-1.0")],
            "\u{0}\u{1}not json at all{{{",
        )
            .into_response(),
        Fault::BadGateway => (
            StatusCode::BAD_GATEWAY,
            [("content-type", "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
    }
}

async fn forward(inner: &Inner, headers: HeaderMap, body: Bytes) -> Response {
    let mut request = inner.http.post(&inner.upstream).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let upstream = request.send().await.unwrap();
    let status = upstream.status();
    let mut answer = HeaderMap::new();
    for (name, value) in upstream.headers() {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            answer.insert(name.clone(), value.clone());
        }
    }
    let bytes = upstream.bytes().await.unwrap();
    (status, answer, bytes).into_response()
}

/// A port nothing listens on.
pub async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// An endpoint that accepts each connection and closes it at once.
pub async fn dropping_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    url
}
