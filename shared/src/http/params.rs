//! Request parameters from a query string, a form body or a JSON body, parsed
//! strictly: invalid percent-encoding or UTF-8 is refused, and a repeated
//! parameter is an error when it is read (RFC 6749 §3.1, §3.2).

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::error::OAuthError;

/// The most parameters one request may carry.
const MAX_PARAMS: usize = 64;
/// The longest value of any single parameter, in bytes.
pub const MAX_VALUE_LEN: usize = 4096;

/// Parameters in the order they came, repeats kept so they can be refused.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

/// How the body was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `application/json`.
    Json,
}

impl BodyKind {
    /// Picks the body kind from a `Content-Type` header value.
    pub fn from_content_type(value: Option<&str>) -> Result<Self, OAuthError> {
        let essence = value
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase());
        match essence.as_deref() {
            Some("application/x-www-form-urlencoded") => Ok(Self::Form),
            Some("application/json") => Ok(Self::Json),
            _ => Err(OAuthError::InvalidRequest(
                "Content-Type must be application/x-www-form-urlencoded or application/json."
                    .into(),
            )),
        }
    }
}

impl Params {
    /// Parses `a=1&b=2` with strict percent-decoding and UTF-8.
    pub fn from_urlencoded(input: &[u8]) -> Result<Self, OAuthError> {
        let mut pairs = Vec::new();
        for part in input.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let mut halves = part.splitn(2, |b| *b == b'=');
            let name = decode_component(halves.next().unwrap_or_default())?;
            let value = decode_component(halves.next().unwrap_or_default())?;
            pairs.push((name, value));
        }
        Self::checked(pairs)
    }

    /// Parses a body of the given kind.
    pub fn from_body(kind: BodyKind, body: &[u8]) -> Result<Self, OAuthError> {
        match kind {
            BodyKind::Form => Self::from_urlencoded(body),
            BodyKind::Json => Self::from_json(body),
        }
    }

    /// Parses a JSON object whose values are strings (or null, which counts as absent).
    pub fn from_json(input: &[u8]) -> Result<Self, OAuthError> {
        let mut deserializer = serde_json::Deserializer::from_slice(input);
        let pairs = deserializer
            .deserialize_map(PairsVisitor)
            .and_then(|pairs| deserializer.end().map(|()| pairs))
            .map_err(|_| OAuthError::InvalidRequest("The body is not a JSON object.".into()))?;
        let mut strings = Vec::with_capacity(pairs.len());
        for (name, value) in pairs {
            match value {
                Value::String(text) => strings.push((name, text)),
                Value::Null => {}
                _ => {
                    return Err(OAuthError::InvalidRequest(format!(
                        "Parameter {} must be a string.",
                        shown(&name)
                    )))
                }
            }
        }
        Self::checked(strings)
    }

    fn checked(pairs: Vec<(String, String)>) -> Result<Self, OAuthError> {
        if pairs.len() > MAX_PARAMS {
            return Err(OAuthError::InvalidRequest("Too many parameters.".into()));
        }
        if let Some((name, _)) = pairs.iter().find(|(_, v)| v.len() > MAX_VALUE_LEN) {
            return Err(OAuthError::InvalidRequest(format!(
                "Parameter {} is too long.",
                shown(name)
            )));
        }
        Ok(Self(pairs))
    }

    /// The parameter's value; `None` when absent or empty (RFC 6749 §3.1),
    /// an error when it is repeated.
    pub fn get(&self, name: &str) -> Result<Option<&str>, OAuthError> {
        let mut found = self.0.iter().filter(|(n, v)| n == name && !v.is_empty());
        let first = found.next().map(|(_, v)| v.as_str());
        if found.next().is_some() {
            return Err(OAuthError::InvalidRequest(format!(
                "Parameter {name} must not be repeated."
            )));
        }
        Ok(first)
    }

    /// Refuses any parameter not in `known`, naming it: for the management
    /// API's queries, where a misspelt filter would otherwise widen the list.
    pub fn only(self, known: &[&str]) -> Result<Self, OAuthError> {
        match self.0.iter().find(|(n, _)| !known.contains(&n.as_str())) {
            Some((name, _)) => Err(OAuthError::InvalidRequest(format!(
                "Unknown query parameter {}.",
                shown(name)
            ))),
            None => Ok(self),
        }
    }

    /// The parameter's value, or `invalid_request` naming it.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)?
            .ok_or_else(|| OAuthError::InvalidRequest(format!("Parameter {name} is required.")))
    }
}

/// A parameter name as it may appear in an error description: short and printable.
fn shown(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(40)
        .collect()
}

/// Decodes one `application/x-www-form-urlencoded` component strictly.
pub(crate) fn decode_component(input: &[u8]) -> Result<String, OAuthError> {
    let bad = || {
        OAuthError::InvalidRequest("The request holds invalid percent-encoding or UTF-8.".into())
    };
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&byte) = input.get(i) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = input.get(i + 1..i + 3).ok_or_else(bad)?;
                let text = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(text, 16).map_err(|_| bad())?);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// Collects a JSON object's entries in order, keeping repeated keys.
struct PairsVisitor;

impl<'de> Visitor<'de> for PairsVisitor {
    type Value = Vec<(String, Value)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut pairs = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            if pairs.len() >= MAX_PARAMS {
                return Err(serde::de::Error::custom("too many parameters"));
            }
            pairs.push((key, value));
        }
        Ok(pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn form_values_decode_plus_and_percent() {
        let params = Params::from_urlencoded(b"a=x+y%21&b=").unwrap();
        assert_eq!(params.get("a").unwrap(), Some("x y!"));
        assert_eq!(params.get("b").unwrap(), None, "empty counts as absent");
    }

    #[test]
    fn repeated_parameters_are_refused_when_read() {
        let params = Params::from_urlencoded(b"a=1&a=2&b=3").unwrap();
        assert!(params.get("a").is_err());
        assert_eq!(params.get("b").unwrap(), Some("3"));
        let json = Params::from_json(br#"{"a":"1","a":"2"}"#).unwrap();
        assert!(json.get("a").is_err());
    }

    #[test]
    fn invalid_encodings_are_refused() {
        assert!(Params::from_urlencoded(b"a=%zz").is_err());
        assert!(Params::from_urlencoded(b"a=%4").is_err());
        assert!(Params::from_urlencoded(b"a=%ff%fe").is_err());
        assert!(Params::from_urlencoded(&[b'a', b'=', 0xff]).is_err());
    }

    #[test]
    fn json_values_must_be_strings() {
        assert!(Params::from_json(br#"{"a":1}"#).is_err());
        assert!(Params::from_json(br#"["a"]"#).is_err());
        assert!(Params::from_json(br#"{"a":"1"} trailing"#).is_err());
        let params = Params::from_json(br#"{"a":"1","b":null}"#).unwrap();
        assert_eq!(params.get("b").unwrap(), None);
    }

    #[test]
    fn content_types_pick_the_parser() {
        assert_eq!(
            BodyKind::from_content_type(Some("application/json; charset=utf-8")).unwrap(),
            BodyKind::Json
        );
        assert_eq!(
            BodyKind::from_content_type(Some("Application/X-WWW-Form-Urlencoded")).unwrap(),
            BodyKind::Form
        );
        assert!(BodyKind::from_content_type(Some("text/plain")).is_err());
        assert!(BodyKind::from_content_type(None).is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_fail_cleanly(input in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = Params::from_urlencoded(&input);
            let _ = Params::from_json(&input);
        }
    }
}
