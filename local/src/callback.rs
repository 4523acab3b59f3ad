//! `GET /callback`: a small page that shows the tokens from the URL fragment
//! (implicit flow) or the code from the query (code flow), so a person can try
//! the whole flow in a browser. Local server only.

use std::sync::OnceLock;

use axum::http::StatusCode;
use axum::response::Response;
use shared::http::html::{csp_hash, document, page};

const SCRIPT: &str = "const p=new URLSearchParams(location.hash.slice(1)||location.search.slice(1));\
const t=document.getElementById('tokens');\
if(![...p.keys()].length){t.textContent='No values in the URL.';}\
for(const [k,v] of p){const dt=document.createElement('dt');dt.textContent=k;\
const dd=document.createElement('dd');const c=document.createElement('code');c.textContent=v;dd.appendChild(c);t.append(dt,dd);}";

/// The callback page.
pub async fn callback_page() -> Response {
    static HASH: OnceLock<String> = OnceLock::new();
    let hash = HASH.get_or_init(|| csp_hash(SCRIPT));
    let body = format!(
        "<h1>Callback</h1><p>The authorization server sent these values in the URL:</p>\
<dl id=\"tokens\"></dl><script>{SCRIPT}</script>"
    );
    page(
        StatusCode::OK,
        document("Callback", &body),
        None,
        Some(hash),
    )
}
