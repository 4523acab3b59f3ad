//! Sending an authorization response back to its validated callback: the
//! response mode (OAuth 2.0 Multiple Response Type Encoding Practices §2.1,
//! Form Post Response Mode §2), the parameters, errors included (RFC 6749
//! §4.1.2.1, §4.2.2.1), always with `iss` (RFC 9207).

use url::form_urlencoded::Serializer;

use crate::domain::authorize::Callback;
use crate::error::OAuthError;

/// How the parameters travel to the callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// In the query (the code flow's default).
    Query,
    /// In the fragment (the implicit flow's default).
    Fragment,
    /// In an auto-submitting HTML form posted to the callback.
    FormPost,
}

impl ResponseMode {
    /// The mode a request names, or `None` for an unknown value.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "query" => Some(Self::Query),
            "fragment" => Some(Self::Fragment),
            "form_post" => Some(Self::FormPost),
            _ => None,
        }
    }

    /// The mode's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Fragment => "fragment",
            Self::FormPost => "form_post",
        }
    }

    /// The default mode: the query for a code, the fragment for tokens (§2.1).
    pub fn default_for(carries_tokens: bool) -> Self {
        if carries_tokens {
            Self::Fragment
        } else {
            Self::Query
        }
    }

    /// The mode a request asks for (Form Post Response Mode §2): `query`,
    /// `fragment` or `form_post`, never `query` for tokens; absent, the default.
    pub fn requested(named: Option<&str>, carries_tokens: bool) -> Result<Self, OAuthError> {
        let Some(named) = named else {
            return Ok(Self::default_for(carries_tokens));
        };
        match Self::from_name(named) {
            Some(Self::Query) if carries_tokens => Err(OAuthError::InvalidRequest(
                "Tokens are never sent in the query (response_mode=query).".into(),
            )),
            Some(mode) => Ok(mode),
            None => Err(OAuthError::InvalidRequest(
                "response_mode must be query, fragment or form_post.".into(),
            )),
        }
    }

    /// The mode an error goes back in: the one the request names if it may
    /// be used, else the default.
    pub fn of(response_type: Option<&str>, named: Option<&str>) -> Self {
        let tokens = response_type != Some("code");
        Self::requested(named, tokens).unwrap_or(Self::default_for(tokens))
    }
}

/// An authorization response: where it goes, how, and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    /// The validated callback.
    pub redirect_uri: String,
    /// How the parameters travel.
    pub mode: ResponseMode,
    /// The parameters, `iss` last.
    pub params: Vec<(String, String)>,
}

impl AuthorizationResponse {
    /// The response's parameters for `redirect_uri`, with `iss` added.
    pub fn new(
        redirect_uri: &str,
        mode: ResponseMode,
        params: Vec<(String, String)>,
        issuer: &str,
    ) -> Self {
        let mut params = params;
        params.push(("iss".to_owned(), issuer.to_owned()));
        Self {
            redirect_uri: redirect_uri.to_owned(),
            mode,
            params,
        }
    }

    /// The URL to redirect to, for the query and fragment modes.
    pub fn location(&self) -> Option<String> {
        let encoded = Serializer::new(String::new())
            .extend_pairs(&self.params)
            .finish();
        match self.mode {
            ResponseMode::Query => Some(with_params(&self.redirect_uri, &encoded, true)),
            ResponseMode::Fragment => Some(with_params(&self.redirect_uri, &encoded, false)),
            ResponseMode::FormPost => None,
        }
    }
}

/// An error that is sent back to the validated callback (RFC 6749 §4.2.2.1).
#[derive(Debug)]
pub struct RedirectError {
    /// Where to send it.
    pub redirect_uri: String,
    /// The state to echo.
    pub state: Option<String>,
    /// The error.
    pub error: OAuthError,
    /// How it travels.
    pub mode: ResponseMode,
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
    /// An error for a good callback, with the state already read (or `None`)
    /// and the response mode the request asked for, if it may be used.
    pub fn to_callback(
        callback: &Callback<'_>,
        mode: ResponseMode,
        state: Option<String>,
        error: OAuthError,
    ) -> Self {
        Self {
            redirect_uri: callback.redirect_uri.clone(),
            state,
            error,
            mode,
        }
    }

    /// `error`, `error_description`, `state` and `iss` (RFC 9207 §2).
    pub fn response(&self, issuer: &str) -> AuthorizationResponse {
        let mut params = vec![
            ("error".to_owned(), self.error.code().to_owned()),
            ("error_description".to_owned(), self.error.description()),
        ];
        if let Some(state) = &self.state {
            params.push(("state".to_owned(), state.clone()));
        }
        AuthorizationResponse::new(&self.redirect_uri, self.mode, params, issuer)
    }
}
