//! Secret newtypes: their `Debug` prints `[redacted]`, they have no `Display`,
//! and their value is read only through an explicit `expose_secret()`.

use std::fmt;

use subtle::ConstantTimeEq;

/// Whether two secrets are equal, in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(String);

        /// Compared in constant time (the length may show; the bytes don't).
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
            }
        }

        impl Eq for $name {}

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value. Every call site is a place a secret leaves its wrapper.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <String as serde::Deserialize>::deserialize(deserializer).map(Self)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_type!(
    /// A refresh token as the client holds it.
    RefreshTokenValue
);
secret_type!(
    /// A client secret as the client presents it (RFC 6749 §2.3.1).
    ClientSecret
);
secret_type!(
    /// A user's password as typed into the login form.
    Password
);
secret_type!(
    /// A signed JWT (id token or access token).
    Jwt
);
secret_type!(
    /// A private key in PEM form.
    PrivateKeyPem
);
secret_type!(
    /// The refresh-token key set as configured (`REFRESH_TOKEN_KEYS`).
    RefreshKeysText
);
secret_type!(
    /// An authorization code as the client presents it (RFC 6749 §4.1.3).
    AuthorizationCodeValue
);
secret_type!(
    /// A PKCE code verifier (RFC 7636 §4.1).
    CodeVerifier
);
secret_type!(
    /// A token presented for revocation or introspection: a refresh token or
    /// an access token (RFC 7009 §2.1, RFC 7662 §2.1).
    PresentedToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_value() {
        let token = RefreshTokenValue::new("rt1.secret-value");
        let printed = format!("{token:?} {:?}", Password::new("hunter2"));
        assert!(!printed.contains("secret-value"));
        assert!(!printed.contains("hunter2"));
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn secrets_compare_by_value() {
        assert_eq!(Password::new("a long one"), Password::new("a long one"));
        assert_ne!(Password::new("a long one"), Password::new("a long two"));
        assert_ne!(Password::new("short"), Password::new("shorter"));
    }
}
