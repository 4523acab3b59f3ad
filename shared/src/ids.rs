//! Validated identifiers: each one is parsed once at the edge, so an invalid
//! value can't reach the domain or the store.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidId(pub &'static str);

/// The longest identifier of any kind we accept.
pub const MAX_ID_LEN: usize = 128;

fn check_text(value: &str, what: &'static str) -> Result<(), InvalidId> {
    if value.is_empty() || value.chars().count() > MAX_ID_LEN {
        return Err(InvalidId(what));
    }
    if value.chars().any(char::is_control) {
        return Err(InvalidId(what));
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $what:literal, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps the value.
            pub fn parse(value: String) -> Result<Self, InvalidId> {
                check_text(&value, $what)?;
                let extra: fn(&str) -> bool = $check;
                if !extra(&value) {
                    return Err(InvalidId($what));
                }
                Ok(Self(value))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(value: String) -> Result<Self, InvalidId> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A user id (`sub`), the partition key of the user's records.
    UserId,
    "user id must be 1-128 characters without '#' or control characters",
    |v| !v.contains('#')
);
id_type!(
    /// A client (application) id: URL-unreserved characters only (RFC 3986 §2.3).
    ClientId,
    "client id must be 1-128 URL-unreserved characters",
    |v| v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
);
id_type!(
    /// The device name the app chose, e.g. "Browser" or "Ana's iPhone".
    DeviceName,
    "device must be 1-128 characters without control characters",
    |_| true
);
id_type!(
    /// The stable id of a stored refresh-token credential (`dcr_…`).
    CredentialId,
    "credential id must look like dcr_…",
    |v| v.starts_with("dcr_") && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
);

/// A set of scope tokens (RFC 6749 §3.3), kept sorted and without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope(BTreeSet<String>);

/// The scope that asks for a refresh token.
pub const OFFLINE_ACCESS: &str = "offline_access";
/// The scope that asks for an id token.
pub const OPENID: &str = "openid";

impl Scope {
    /// Parses a space-delimited scope string. Each token must be made of the
    /// characters RFC 6749 §3.3 allows; an empty string is an empty scope.
    pub fn parse(value: &str) -> Result<Self, InvalidId> {
        if value.len() > 1024 {
            return Err(InvalidId("scope is too long"));
        }
        let mut set = BTreeSet::new();
        for token in value.split(' ').filter(|t| !t.is_empty()) {
            let valid = token
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
            if !valid {
                return Err(InvalidId(
                    "scope holds a character RFC 6749 §3.3 does not allow",
                ));
            }
            set.insert(token.to_owned());
        }
        Ok(Self(set))
    }

    /// Builds a scope from known-good tokens.
    pub fn from_tokens<'a>(tokens: impl IntoIterator<Item = &'a str>) -> Self {
        Self(tokens.into_iter().map(str::to_owned).collect())
    }

    /// Whether the scope holds `token`.
    pub fn contains(&self, token: &str) -> bool {
        self.0.contains(token)
    }

    /// Whether every token of `self` is in `other`.
    pub fn is_subset(&self, other: &Scope) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Whether the scope has no token.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tokens, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let joined: Vec<&str> = self.iter().collect();
        f.write_str(&joined.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn client_ids_allow_only_unreserved_characters() {
        assert!(ClientId::parse("local-demo".into()).is_ok());
        assert!(ClientId::parse("a#b".into()).is_err());
        assert!(ClientId::parse(String::new()).is_err());
    }

    #[test]
    fn device_names_refuse_control_characters_and_long_values() {
        assert!(DeviceName::parse("Ana's \"iPhone\" <3".into()).is_ok());
        assert!(DeviceName::parse("a\r\nSet-Cookie: x".into()).is_err());
        assert!(DeviceName::parse("x".repeat(129)).is_err());
    }

    #[test]
    fn scope_parsing_sorts_and_dedupes() {
        let scope = Scope::parse("openid  offline_access openid").unwrap();
        assert_eq!(scope.to_string(), "offline_access openid");
        assert!(Scope::parse("openid \"bad\"").is_err());
    }

    proptest! {
        #[test]
        fn scope_parsing_never_panics(input in ".{0,200}") {
            let _ = Scope::parse(&input);
        }

        #[test]
        fn id_parsing_never_panics(input in ".{0,200}") {
            let _ = UserId::parse(input.clone());
            let _ = DeviceName::parse(input.clone());
            let _ = CredentialId::parse(input);
        }
    }
}
