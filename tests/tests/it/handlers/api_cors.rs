//! CORS on the management API (the devices issue, item 4): a browser app
//! lists and revokes its user's devices with the user's own access token.
//! The preflight admits any registered origin; a success is readable only
//! by the token's client's origins; a refusal by any registered origin.

use super::harness::{send, Call, Gateway, Harness, ORIGIN, OTHER_ORIGIN};

const LIST: &str = "/api/users/usr_ana/refresh_tokens";

fn from(call: Call, origin: &str) -> Call {
    call.header("origin", origin)
}

#[tokio::test]
async fn a_browser_app_lists_and_revokes_its_users_devices_from_its_own_origin_only() {
    let harness = Harness::new().await;
    let revoke = harness.revoke();
    let tokens = harness.tokens_for("ana@example.com", "phone").await;
    let access = tokens["access_token"].as_str();

    // The preflight: registered origins may proceed, others get nothing.
    let preflight = |origin: &str| {
        Call::options(LIST)
            .header("origin", origin)
            .header("access-control-request-method", "DELETE")
            .header("access-control-request-headers", "authorization")
    };
    let reply = send(&revoke, Gateway::HttpApi, &preflight(ORIGIN)).await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    let methods = reply.header("access-control-allow-methods").unwrap();
    assert!(
        methods.contains("DELETE") && methods.contains("GET"),
        "{methods}"
    );
    let headers = reply.header("access-control-allow-headers").unwrap();
    assert!(
        headers.contains("Authorization") && headers.contains("DPoP"),
        "{headers}"
    );
    let foreign = send(
        &revoke,
        Gateway::HttpApi,
        &preflight("https://evil.example"),
    )
    .await;
    assert_eq!(foreign.header("access-control-allow-origin"), None);

    // The list: readable by the web client's origin, not by another client's.
    let list = Call::get(LIST, "").bearer(access);
    let mine = send(&revoke, Gateway::HttpApi, &from(list.clone(), ORIGIN)).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(mine.header("vary").unwrap_or_default().contains("Origin"));
    let theirs = send(&revoke, Gateway::HttpApi, &from(list, OTHER_ORIGIN)).await;
    assert_eq!(theirs.status, 200);
    assert_eq!(theirs.header("access-control-allow-origin"), None);

    // A refusal is readable by a registered origin, so the app can tell an
    // expired token from a network failure; never by a foreign one.
    let bad = Call::get(LIST, "").bearer("not.a.token");
    let refused = send(&revoke, Gateway::HttpApi, &from(bad.clone(), ORIGIN)).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("access-control-allow-origin"), Some(ORIGIN));
    let exposed = refused.header("access-control-expose-headers").unwrap();
    assert!(exposed.contains("WWW-Authenticate"), "{exposed}");
    let foreign = send(
        &revoke,
        Gateway::HttpApi,
        &from(bad, "https://evil.example"),
    )
    .await;
    assert_eq!(foreign.header("access-control-allow-origin"), None);

    // The revocation itself, by credential id.
    let id = mine.json()[0]["id"].as_str().unwrap().to_owned();
    let delete = Call::delete(&format!("{LIST}/{id}")).bearer(access);
    let reply = send(&revoke, Gateway::HttpApi, &from(delete, ORIGIN)).await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
}
