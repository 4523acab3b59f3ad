//! The parameters of an authorization request that steer the sign-in
//! (OIDC Core §3.1.2.1): `prompt`, `max_age` and `login_hint`.

use crate::error::OAuthError;

/// The longest `login_hint` accepted, in bytes.
const MAX_LOGIN_HINT_LEN: usize = 256;

/// How the client wants the user signed in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInOptions {
    /// `prompt=none`: answer from the existing sign-in, never show a page.
    pub prompt_none: bool,
    /// `prompt=login`: show the form even if the browser is signed in.
    pub prompt_login: bool,
    /// `max_age`: a sign-in older than this many seconds does not count.
    pub max_age: Option<u64>,
    /// `login_hint`: the login name to fill in.
    pub login_hint: Option<String>,
}

fn invalid(message: &str) -> OAuthError {
    OAuthError::InvalidRequest(message.into())
}

impl SignInOptions {
    /// Validates the three parameters as sent.
    pub fn parse(
        prompt: Option<&str>,
        max_age: Option<&str>,
        login_hint: Option<&str>,
    ) -> Result<Self, OAuthError> {
        let prompts: Vec<&str> = prompt
            .unwrap_or_default()
            .split(' ')
            .filter(|p| !p.is_empty())
            .collect();
        if let Some(unknown) = prompts
            .iter()
            .find(|p| !matches!(**p, "none" | "login" | "consent" | "select_account"))
        {
            let unknown: String = unknown.chars().take(32).collect();
            return Err(OAuthError::InvalidRequest(format!(
                "prompt {unknown} is not supported."
            )));
        }
        let prompt_none = prompts.contains(&"none");
        if prompt_none && prompts.len() > 1 {
            return Err(invalid(
                "prompt=none cannot be combined with another value.",
            ));
        }
        let max_age = max_age
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| invalid("max_age must be a whole number of seconds."))
            })
            .transpose()?;
        if login_hint
            .is_some_and(|h| h.len() > MAX_LOGIN_HINT_LEN || h.chars().any(char::is_control))
        {
            return Err(invalid(
                "login_hint is too long or holds control characters.",
            ));
        }
        Ok(Self {
            prompt_none,
            prompt_login: prompts.contains(&"login"),
            max_age,
            login_hint: login_hint.map(str::to_owned),
        })
    }

    /// The options as the login form's hidden fields (`prompt=none` never
    /// reaches the form).
    pub fn hidden_fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = Vec::new();
        if self.prompt_login {
            fields.push(("prompt", "login".to_owned()));
        }
        if let Some(max_age) = self.max_age {
            fields.push(("max_age", max_age.to_string()));
        }
        if let Some(hint) = &self.login_hint {
            fields.push(("login_hint", hint.clone()));
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_values_are_checked() {
        let none = SignInOptions::parse(Some("none"), Some("60"), None).unwrap();
        assert!(none.prompt_none && !none.prompt_login);
        assert_eq!(none.max_age, Some(60));
        assert!(
            SignInOptions::parse(Some("login consent"), None, None)
                .unwrap()
                .prompt_login
        );
        for (prompt, max_age) in [
            (Some("none login"), None),
            (Some("sudo"), None),
            (None, Some("-1")),
            (None, Some("soon")),
        ] {
            assert!(
                SignInOptions::parse(prompt, max_age, None).is_err(),
                "{prompt:?} {max_age:?}"
            );
        }
        assert!(
            SignInOptions::parse(None, None, Some("a\\nb")).is_ok(),
            "a backslash is text"
        );
        assert!(SignInOptions::parse(None, None, Some("a\nb")).is_err());
    }
}
