//! Sending an authorization request's error back to its validated callback
//! (RFC 6749 §4.1.2.1, §4.2.2.1), with `iss` (RFC 9207).

use url::form_urlencoded::Serializer;

use crate::domain::authorize::Callback;
use crate::error::OAuthError;

/// An error that is sent back to the validated callback (RFC 6749 §4.2.2.1).
#[derive(Debug)]
pub struct RedirectError {
    /// Where to send it.
    pub redirect_uri: String,
    /// The state to echo.
    pub state: Option<String>,
    /// The error.
    pub error: OAuthError,
    /// Whether the error goes in the query (code flow) or the fragment.
    pub in_query: bool,
}

/// `uri` with `params` appended to its query (RFC 6749 §3.1.2: an existing
/// query is kept) or set as its fragment.
pub fn with_params(uri: &str, params: &str, in_query: bool) -> String {
    match (in_query, uri.contains('?')) {
        (true, true) => format!("{uri}&{params}"),
        (true, false) => format!("{uri}?{params}"),
        (false, _) => format!("{uri}#{params}"),
    }
}

impl RedirectError {
    /// An error for a good callback, with the state already read (or `None`).
    pub fn to_callback(
        callback: &Callback<'_>,
        response_type: Option<&str>,
        state: Option<String>,
        error: OAuthError,
    ) -> Self {
        Self {
            redirect_uri: callback.redirect_uri.clone(),
            state,
            error,
            in_query: response_type == Some("code"),
        }
    }

    /// `redirect_uri#error=…&error_description=…&state=…&iss=…` (`?` in the
    /// code flow; `iss` by RFC 9207 §2).
    pub fn location(&self, issuer: &str) -> String {
        let mut params = Serializer::new(String::new());
        params.append_pair("error", self.error.code());
        params.append_pair("error_description", &self.error.description());
        if let Some(state) = &self.state {
            params.append_pair("state", state);
        }
        params.append_pair("iss", issuer);
        with_params(&self.redirect_uri, &params.finish(), self.in_query)
    }
}
