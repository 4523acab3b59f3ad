//! Unit and property tests of both token formats and the key set.
use super::*;
use proptest::prelude::*;

fn ids() -> (UserId, ClientId, DeviceName) {
    (
        UserId::parse("usr_1".to_owned()).unwrap(),
        ClientId::parse("app".to_owned()).unwrap(),
        DeviceName::parse("Ana's iPhone \"work\"".to_owned()).unwrap(),
    )
}

fn keys(text: &str) -> RefreshKeys {
    RefreshKeys::parse(text)
        .unwrap()
        .with_legacy_rotation(hmac::Key::new(hmac::HMAC_SHA256, b"legacy"))
}

const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const K2: &str = "k2:Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA";

#[test]
fn a_minted_token_parses_back_to_its_binding_and_hash_and_reveals_nothing() {
    let keys = keys(K1);
    let (user, client, device) = ids();
    let (value, hash) = mint(&keys, &user, &client, &device).unwrap();
    let raw = value.expose_secret();
    assert!(raw.starts_with("rt2.k1."), "{raw}");
    for readable in ["usr_1", "app", "iPhone", "dXNyXzE"] {
        assert!(!raw.contains(readable), "{readable} in {raw}");
    }
    let parsed = parse(&keys, &value).unwrap();
    assert_eq!(parsed.user_id, user);
    assert_eq!(parsed.client_id, client);
    assert_eq!(parsed.device, device);
    assert!(parsed.hash.matches(&hash));
    assert!(!parsed.is_legacy());
}

#[test]
fn two_tokens_for_the_same_binding_differ() {
    let keys = keys(K1);
    let (user, client, device) = ids();
    let (a, _) = mint(&keys, &user, &client, &device).unwrap();
    let (b, _) = mint(&keys, &user, &client, &device).unwrap();
    assert_ne!(a.expose_secret(), b.expose_secret());
}

#[test]
fn any_changed_character_or_another_key_makes_it_malformed() {
    let keys = keys(K1);
    let (user, client, device) = ids();
    let (value, _) = mint(&keys, &user, &client, &device).unwrap();
    let raw = value.expose_secret();
    for at in [8, raw.len() / 2, raw.len() - 1] {
        let mut bytes = raw.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let tampered = RefreshTokenValue::new(String::from_utf8(bytes).unwrap());
        assert_eq!(
            parse(&keys, &tampered).err(),
            Some(MalformedToken),
            "at {at}"
        );
    }
    // Another key set, or the same key under another id, opens nothing.
    assert!(parse(&self::keys(K2), &value).is_err());
    let renamed = RefreshTokenValue::new(raw.replacen("rt2.k1.", "rt2.k2.", 1));
    assert!(parse(&self::keys(&format!("{K1},{}", K2)), &renamed).is_err());
}

#[test]
fn malformed_tokens_are_refused() {
    let keys = keys(K1);
    for bad in [
        "",
        "rt1",
        "rt1..",
        "rt2..",
        "rt2.k1.",
        "rt2.k9.AAAA",
        "rt2.k1.AAAA",
        "rt3.e30.AAAA",
        "rt1.!!.AAAA",
        "rt1.W10.AAAA",
        "a.b.c.d",
    ] {
        assert_eq!(
            parse(&keys, &RefreshTokenValue::new(bad)).err(),
            Some(MalformedToken),
            "{bad}"
        );
    }
}

#[test]
fn successors_are_deterministic_keyed_and_stay_on_their_key() {
    let (user, client, device) = ids();
    let old = keys(K1);
    let (value, _) = mint(&old, &user, &client, &device).unwrap();
    let token = parse(&old, &value).unwrap();
    let next = token.successor(&old).unwrap();
    assert_eq!(
        next.value(&old).unwrap().expose_secret(),
        token
            .successor(&old)
            .unwrap()
            .value(&old)
            .unwrap()
            .expose_secret(),
        "a retry gets the same successor"
    );
    assert_ne!(
        next.value(&old).unwrap().expose_secret(),
        value.expose_secret()
    );
    // After the key set rotates (k2 current, k1 retired), the token still
    // parses, and its successor is the same token, still under k1.
    let rotated = keys(&format!("{K2},{K1}"));
    let again = parse(&rotated, &value).unwrap();
    let successor = again.successor(&rotated).unwrap();
    assert!(successor.hash.matches(&next.hash));
    assert_eq!(
        successor.value(&rotated).unwrap().expose_secret(),
        next.value(&old).unwrap().expose_secret()
    );
    // New tokens use the current key.
    let (fresh, _) = mint(&rotated, &user, &client, &device).unwrap();
    assert!(fresh.expose_secret().starts_with("rt2.k2."));
    // With k1 removed, its tokens are malformed.
    assert!(parse(&keys(K2), &value).is_err());
    assert_eq!(format!("{next:?}").matches("redacted").count(), 2);
    assert!(!format!("{rotated:?}").contains(&K1[3..]));
}

#[test]
fn a_format_1_token_still_works_and_its_successor_is_sealed() {
    let keys = keys(K1);
    let (user, client, device) = ids();
    let (value, hash) = mint_legacy(&user, &client, &device).unwrap();
    assert!(value.expose_secret().starts_with("rt1."));
    let token = parse(&keys, &value).unwrap();
    assert!(token.is_legacy() && token.hash.matches(&hash));
    assert_eq!(token.device, device);
    let next = token.successor(&keys).unwrap();
    let sealed = next.value(&keys).unwrap();
    assert!(sealed.expose_secret().starts_with("rt2.k1."));
    let reparsed = parse(&keys, &sealed).unwrap();
    assert!(reparsed.hash.matches(&next.hash) && !reparsed.is_legacy());
    // Format 1's successor is derived with the legacy key (from the signing key).
    let expected = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, b"legacy"),
        &token.secret.0,
    );
    assert!(next.hash.matches(&hash_secret(expected.as_ref())));
}

#[test]
fn the_key_set_text_is_checked_and_never_echoed() {
    for bad in [
        "",
        "k1",
        "k1:short",
        ":AAAA",
        "k 1:AAAA",
        &format!("{K1},{K1}"),
    ] {
        let err = RefreshKeys::parse(bad).unwrap_err();
        assert!(!err.contains("AAECAwQF"), "{err}");
    }
    let text = RefreshKeys::generate_text("fresh").unwrap();
    assert_eq!(RefreshKeys::parse(&text).unwrap().ids(), ["fresh"]);
}

proptest! {
    #[test]
    fn parsing_any_string_never_panics(input in ".{0,300}") {
        let _ = parse(&keys(K1), &RefreshTokenValue::new(input));
    }

    #[test]
    fn parsing_any_dotted_base64_never_panics(a in "[A-Za-z0-9_-]{0,80}", b in "[A-Za-z0-9_-]{0,200}") {
        let keys = keys(K1);
        let _ = parse(&keys, &RefreshTokenValue::new(format!("rt1.{a}.{b}")));
        let _ = parse(&keys, &RefreshTokenValue::new(format!("rt2.k1.{b}")));
    }
}
