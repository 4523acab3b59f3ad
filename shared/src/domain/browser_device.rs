//! The device of a code-flow sign-in that names none: the browser itself.
//! A long-lived random id (kept in a cookie by the edge) tells this browser
//! from others, and the `User-Agent` gives it a readable name, such as
//! "Firefox on Linux (3f9a0c1d)". Signing in again from the same browser to
//! the same app replaces that session, as the classic `device` rule does.

use crate::domain::random_hex;
use crate::error::{Fault, OAuthError};
use crate::ids::DeviceName;

/// The length of a browser id, in hex digits (64 random bits).
const ID_HEX_LEN: usize = 16;

/// A browser id: 16 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserId(String);

impl BrowserId {
    /// A new random id.
    pub fn generate() -> Result<Self, OAuthError> {
        random_hex(ID_HEX_LEN / 2).map(Self)
    }

    /// An id the browser sent back, if it has the right shape.
    pub fn parse(value: &str) -> Option<Self> {
        let valid = value.len() == ID_HEX_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| Self(value.to_owned()))
    }

    /// The id as text (the cookie's value).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// "Browser on System (first 8 hex digits of the id)".
pub fn device_name(user_agent: Option<&str>, id: &BrowserId) -> Result<DeviceName, OAuthError> {
    let ua = user_agent.unwrap_or_default();
    let short: String = id.0.chars().take(8).collect();
    let name = format!("{} on {} ({short})", browser(ua), system(ua));
    DeviceName::parse(name)
        .map_err(|_| Fault::Invariant("a browser device name did not parse").into())
}

/// A device's readable description, as far as its `User-Agent` tells:
/// "Firefox on Linux", "Firefox", "An app on Android", or nothing for an
/// agent it does not know (an app's own HTTP library, say).
pub fn describe(user_agent: &str) -> Option<String> {
    let known = |table: &[(&str, &'static str)]| first_named(user_agent, table);
    match (known(&BROWSERS), known(&SYSTEMS)) {
        (Some(browser), Some(system)) => Some(format!("{browser} on {system}")),
        (Some(browser), None) => Some(browser.to_owned()),
        (None, Some(system)) => Some(format!("An app on {system}")),
        (None, None) => None,
    }
}

/// The browser a `User-Agent` names, checked in an order that tells
/// look-alikes apart (Edge and Opera also say Chrome; Chrome also says Safari).
fn browser(ua: &str) -> &'static str {
    first_named(ua, &BROWSERS).unwrap_or("A browser")
}

/// Browser markers, in the order that tells look-alikes apart.
const BROWSERS: [(&str, &str); 7] = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

/// The system a `User-Agent` names (iPhone and Android before the desktops
/// their strings also mention).
fn system(ua: &str) -> &'static str {
    first_named(ua, &SYSTEMS).unwrap_or("an unknown system")
}

/// System markers, phones before the desktops their strings also mention.
const SYSTEMS: [(&str, &str); 7] = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
];

/// The name of the first `(marker, name)` whose marker the `User-Agent` holds.
fn first_named(ua: &str, table: &[(&str, &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(marker, _)| ua.contains(marker))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_user_agents_get_readable_names() {
        let id = BrowserId::parse("3f9a0c1d5e6b7a88").unwrap();
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0", "Edge on Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari on macOS"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1", "Chrome on iPhone"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36", "Chrome on Android"),
            ("curl/8.5.0", "A browser on an unknown system"),
        ];
        for (ua, name) in cases {
            assert_eq!(
                device_name(Some(ua), &id).unwrap().as_str(),
                format!("{name} (3f9a0c1d)")
            );
        }
        assert_eq!(
            device_name(None, &id).unwrap().as_str(),
            "A browser on an unknown system (3f9a0c1d)"
        );
    }

    #[test]
    fn a_description_says_only_what_the_agent_tells() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe(firefox).as_deref(), Some("Firefox on Linux"));
        let app = "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A)";
        assert_eq!(describe(app).as_deref(), Some("An app on Android"));
        assert_eq!(describe("okhttp/4.12.0"), None);
    }

    #[test]
    fn only_well_formed_ids_are_taken_back() {
        assert!(BrowserId::parse("3f9a0c1d5e6b7a88").is_some());
        for bad in [
            "",
            "3F9A0C1D5E6B7A88",
            "3f9a0c1d5e6b7a8",
            "3f9a0c1d5e6b7a88x",
            "zzzzzzzzzzzzzzzz",
        ] {
            assert!(BrowserId::parse(bad).is_none(), "{bad}");
        }
        let made = BrowserId::generate().unwrap();
        assert_eq!(BrowserId::parse(made.as_str()), Some(made));
    }
}
