//! API Gateway events (HTTP API v2 and REST v1) built from the JSON fixtures
//! and parsed by `lambda_http` exactly as on Lambda, and what a handler answered.

use std::collections::HashMap;
use std::sync::Once;

use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// Which API Gateway payload the event uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    /// HTTP API, payload format 2.0.
    HttpApi,
    /// REST API proxy integration, payload format 1.0, stage `prod`.
    Rest,
}

pub const BOTH: [Gateway; 2] = [Gateway::HttpApi, Gateway::Rest];

/// One HTTP call, before it becomes an event.
#[derive(Debug, Clone, Default)]
pub struct Call {
    pub method: &'static str,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// The gateway's `sourceIp`; the fixture's when `None`.
    pub source_ip: Option<String>,
}

impl Call {
    pub fn get(path: &str, query: &str) -> Self {
        Self {
            method: "GET",
            path: path.into(),
            query: query.into(),
            ..Self::default()
        }
    }

    pub fn post(path: &str, content_type: &str, body: &str) -> Self {
        Self {
            method: "POST",
            path: path.into(),
            body: Some(body.into()),
            ..Self::default()
        }
        .header("content-type", content_type)
    }

    pub fn options(path: &str) -> Self {
        Self {
            method: "OPTIONS",
            path: path.into(),
            ..Self::default()
        }
    }

    pub fn delete(path: &str) -> Self {
        Self {
            method: "DELETE",
            path: path.into(),
            ..Self::default()
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The address API Gateway saw the call come from.
    pub fn sent_from(mut self, address: &str) -> Self {
        self.source_ip = Some(address.into());
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
}

fn decoded_query(query: &str) -> Value {
    let mut multi: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        multi
            .entry(k.into_owned())
            .or_default()
            .push(v.into_owned());
    }
    json!(multi)
}

/// Builds the event JSON from the fixture and parses it as Lambda would.
pub fn event(gateway: Gateway, call: &Call) -> lambda_http::Request {
    static IGNORE_STAGE: Once = Once::new();
    // As template.yaml sets for the functions: REST stage names are not part of our routes.
    IGNORE_STAGE.call_once(|| std::env::set_var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true"));
    let mut event: Value = match gateway {
        Gateway::HttpApi => {
            serde_json::from_str(include_str!("../../../fixtures/apigw_v2_request.json")).unwrap()
        }
        Gateway::Rest => {
            serde_json::from_str(include_str!("../../../fixtures/apigw_v1_request.json")).unwrap()
        }
    };
    let body = call.body.clone().map(Value::String).unwrap_or(Value::Null);
    match gateway {
        Gateway::HttpApi => {
            event["rawPath"] = json!(call.path);
            event["rawQueryString"] = json!(call.query);
            event["requestContext"]["http"]["method"] = json!(call.method);
            event["requestContext"]["http"]["path"] = json!(call.path);
            if let Some(ip) = &call.source_ip {
                event["requestContext"]["http"]["sourceIp"] = json!(ip);
            }
            for (name, value) in &call.headers {
                if name.eq_ignore_ascii_case("cookie") {
                    event["cookies"] = json!(value.split("; ").collect::<Vec<_>>());
                } else {
                    event["headers"][name.to_ascii_lowercase()] = json!(value);
                }
            }
            event["body"] = body;
        }
        Gateway::Rest => {
            event["path"] = json!(call.path);
            event["httpMethod"] = json!(call.method);
            event["requestContext"]["httpMethod"] = json!(call.method);
            event["requestContext"]["path"] = json!(format!("/prod{}", call.path));
            if let Some(ip) = &call.source_ip {
                event["requestContext"]["identity"]["sourceIp"] = json!(ip);
            }
            if !call.query.is_empty() {
                let multi = decoded_query(&call.query);
                let single: serde_json::Map<String, Value> = multi
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_array().unwrap().last().cloned().unwrap()))
                    .collect();
                event["multiValueQueryStringParameters"] = multi;
                event["queryStringParameters"] = Value::Object(single);
            }
            for (name, value) in &call.headers {
                event["headers"][name] = json!(value);
                event["multiValueHeaders"][name] = json!([value]);
            }
            event["body"] = body;
        }
    }
    lambda_http::request::from_str(&event.to_string())
        .expect("fixture parses as an API Gateway event")
}

/// What a handler answered.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Set-Cookie` header that sets cookie `name`, if there is one.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    /// The parameters after `#` in the Location header.
    pub fn fragment(&self) -> HashMap<String, String> {
        let location = self.header("location").expect("a Location header");
        let (_, fragment) = location.split_once('#').expect("a fragment");
        url::form_urlencoded::parse(fragment.as_bytes())
            .into_owned()
            .collect()
    }

    /// The target and query parameters of the Location header, which must
    /// have no fragment (the code flow's redirect).
    pub fn redirect_query(&self) -> (String, HashMap<String, String>) {
        let location = self.header("location").expect("a Location header");
        assert!(!location.contains('#'), "no fragment in {location}");
        let (target, query) = location.split_once('?').expect("a query");
        let params = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        (target.to_owned(), params)
    }

    /// The hidden inputs of a rendered login form.
    pub fn hidden_fields(&self) -> Vec<(String, String)> {
        hidden_fields(&self.body)
    }

    /// The login form's fields with a login and password filled in.
    pub fn filled_login_form(&self, login: &str, password: &str) -> Vec<(String, String)> {
        let mut fields = self.hidden_fields();
        fields.push(("username".into(), login.into()));
        fields.push(("password".into(), password.into()));
        fields
    }

    /// The `name=value` of the Set-Cookie header.
    pub fn cookie(&self) -> String {
        self.header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    }
}

/// The hidden inputs of a rendered login page, unescaped.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once("\" value=\"").unwrap();
            let value = rest.split_once('"').unwrap().0;
            (name.to_owned(), unescape(value))
        })
        .collect()
}

pub fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub fn form<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k.as_ref(), v.as_ref());
    }
    out.finish()
}

/// Sends an event through a router.
pub async fn send(router: &Router, gateway: Gateway, call: &Call) -> Reply {
    let request = event(gateway, call);
    let response = router
        .clone()
        .oneshot(request.map(axum::body::Body::new))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}
