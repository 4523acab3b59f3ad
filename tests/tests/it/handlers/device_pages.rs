//! The device pages (the devices issue, items 2 and 3): "Your devices" at
//! `/account` and the admin console at `/admin`, served by the revoke
//! function from the browser's sign-in. Not signed in, each goes to the
//! login page and comes back; a cross-site form post changes nothing even
//! with the cookie; a user who is no admin gets `403` at `/admin`.

use shared::store::Credentials;

use super::code_grant::pkce;
use super::harness::{form, send, Call, Gateway, Harness, Reply, CALLBACK, PASSWORD};

const ISSUER: &str = "https://auth.example.com/";

/// `name=value` of a cookie an answer sets.
fn cookie(reply: &Reply, name: &str) -> String {
    let set = reply.set_cookie(name).expect("the cookie is set");
    set.split(';').next().unwrap().to_owned()
}

/// Signs `login` in from a fresh browser with the web client's code flow and
/// no device name, so the device is this browser; the browser's cookies.
pub async fn browser_signed_in(harness: &Harness, login: &str) -> String {
    let challenge = pkce();
    let query = form(&[
        ("response_type", "code"),
        ("client_id", "web"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid offline_access"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let reply = harness
        .sign_in(Gateway::HttpApi, &query, login, PASSWORD)
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let code = reply.redirect_query().1["code"].clone();
    let tokens = super::dpop::redeem(harness, "web", &code, None).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    format!(
        "{}; {}",
        cookie(&reply, "oa_session"),
        cookie(&reply, "oa_device")
    )
}

pub async fn page_get(harness: &Harness, path: &str, query: &str, cookies: Option<&str>) -> Reply {
    let mut call = Call::get(path, query);
    if let Some(cookies) = cookies {
        call = call.header("cookie", cookies);
    }
    send(&harness.revoke(), Gateway::HttpApi, &call).await
}

pub async fn page_post(
    harness: &Harness,
    path: &str,
    fields: &[(&str, &str)],
    cookies: &str,
) -> Reply {
    let call = Call::post(path, "application/x-www-form-urlencoded", &form(fields))
        .header("cookie", cookies);
    send(&harness.revoke(), Gateway::HttpApi, &call).await
}

/// A hidden field's value in a page (the first one with this name).
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).expect(name) + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn device_names(harness: &Harness, user: &str) -> Vec<String> {
    let user = shared::ids::UserId::parse(user.into()).unwrap();
    let listed = harness
        .store
        .list_credentials(&user)
        .await
        .unwrap()
        .unwrap();
    listed.into_iter().map(|r| r.device.to_string()).collect()
}

#[tokio::test]
async fn not_signed_in_each_page_goes_to_the_login_page_and_comes_back() {
    let harness = Harness::new().await;
    for page in ["account", "admin"] {
        let reply = page_get(&harness, &format!("/{page}"), "", None).await;
        assert_eq!(reply.status, 302, "{}", reply.body);
        let location = reply.header("location").unwrap().to_owned();
        let (target, query) = location.split_once('?').unwrap();
        assert_eq!(target, format!("{ISSUER}authorize"));
        let back = harness
            .sign_in(Gateway::HttpApi, query, "ana@example.com", PASSWORD)
            .await;
        assert_eq!(back.status, 303, "{}", back.body);
        let (target, _) = back.redirect_query();
        assert_eq!(target, format!("{ISSUER}{page}"), "back where it started");
        let session = cookie(&back, "oa_session");
        let landed = page_get(
            &harness,
            &format!("/{page}"),
            "code=x&state=y",
            Some(&session),
        )
        .await;
        assert_eq!(landed.status, 302, "the unused code leaves the address bar");
        assert_eq!(
            landed.header("location"),
            Some(format!("{ISSUER}{page}").as_str())
        );
    }
}

#[tokio::test]
async fn a_user_sees_their_devices_and_signs_one_out_or_all_but_this_one() {
    let harness = Harness::new().await;
    harness.tokens_for("ana@example.com", "phone").await;
    harness.tokens_for("ana@example.com", "laptop").await;
    harness.tokens_for("bob@example.com", "tablet").await;
    let cookies = browser_signed_in(&harness, "ana@example.com").await;
    let page = page_get(&harness, "/account", "", Some(&cookies)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'none'"),
        "{csp}"
    );
    assert!(page.body.contains("name=\"viewport\""), "fits a phone");
    for shown in [
        "phone",
        "laptop",
        "This device",
        "Web &lt;App&gt;",
        "ana@example.com",
    ] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    assert!(!page.body.contains("tablet"), "only Ana's own devices");
    assert!(!page.body.contains("<script"), "no script");

    // One device, by its id, with the page's token.
    let csrf = hidden(&page.body, "csrf_token");
    let phone_id = {
        let user = shared::ids::UserId::parse("usr_ana".into()).unwrap();
        let listed = harness
            .store
            .list_credentials(&user)
            .await
            .unwrap()
            .unwrap();
        listed
            .into_iter()
            .find(|r| r.device.as_str() == "phone")
            .unwrap()
            .credential_id
            .to_string()
    };
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("credential_id", phone_id.as_str()),
    ];
    let reply = page_post(&harness, "/account/revoke", &fields, &cookies).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(!device_names(&harness, "usr_ana")
        .await
        .contains(&"phone".to_owned()));

    // Everywhere else: the laptop goes, this browser stays.
    let reply = page_post(
        &harness,
        "/account/sign-out-others",
        &[("csrf_token", csrf.as_str())],
        &cookies,
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let left = device_names(&harness, "usr_ana").await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].ends_with(')'), "the browser's own device: {left:?}");
    assert_eq!(device_names(&harness, "usr_bob").await, ["tablet"]);
}

#[tokio::test]
async fn a_cross_site_post_changes_nothing_even_with_the_cookie() {
    let harness = Harness::new().await;
    harness.tokens_for("ana@example.com", "phone").await;
    let cookies = browser_signed_in(&harness, "ana@example.com").await;
    let page = page_get(&harness, "/account", "", Some(&cookies)).await;
    let csrf = hidden(&page.body, "csrf_token");
    let bob = browser_signed_in(&harness, "bob@example.com").await;
    let bobs_csrf = hidden(
        &page_get(&harness, "/account", "", Some(&bob)).await.body,
        "csrf_token",
    );
    let before = harness.store.snapshot().unwrap();
    for (name, token, origin) in [
        ("no token", None, None),
        ("a forged token", Some("1.AAAA"), None),
        ("another user's token", Some(bobs_csrf.as_str()), None),
        (
            "another site's Origin",
            Some(csrf.as_str()),
            Some("https://evil.example"),
        ),
    ] {
        let mut fields = vec![];
        if let Some(token) = token {
            fields.push(("csrf_token", token));
        }
        let mut call = Call::post(
            "/account/sign-out-others",
            "application/x-www-form-urlencoded",
            &form(&fields),
        )
        .header("cookie", &cookies);
        if let Some(origin) = origin {
            call = call.header("origin", origin);
        }
        let reply = send(&harness.revoke(), Gateway::HttpApi, &call).await;
        assert_eq!(reply.status, 403, "{name}: {}", reply.body);
        assert!(
            reply.body.contains("access_denied"),
            "{name}: an HTML error page"
        );
        assert!(
            harness.store.snapshot().unwrap() == before,
            "{name}: nothing changed"
        );
    } // Fetch Metadata: a browser that says the post is cross-site is refused
      // even with the right token.
    let call = Call::post(
        "/account/sign-out-others",
        "application/x-www-form-urlencoded",
        &form(&[("csrf_token", csrf.as_str())]),
    )
    .header("cookie", &cookies)
    .header("sec-fetch-site", "cross-site");
    let reply = send(&harness.revoke(), Gateway::HttpApi, &call).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(harness.store.snapshot().unwrap() == before);
}

#[tokio::test]
async fn the_admin_console_is_for_admins_who_find_a_user_and_sign_their_devices_out() {
    let harness = Harness::new().await;
    harness.tokens_for("ana@example.com", "phone").await;
    harness.tokens_for("ana@example.com", "laptop").await;
    let ana = browser_signed_in(&harness, "ana@example.com").await;
    let refused = page_get(&harness, "/admin", "", Some(&ana)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    let root = browser_signed_in(&harness, "root@example.com").await;
    let console = page_get(&harness, "/admin", "email=ana%40example.com", Some(&root)).await;
    assert_eq!(console.status, 200, "{}", console.body);
    for shown in ["Admin console", "phone", "laptop", "Signed in"] {
        assert!(console.body.contains(shown), "{shown}");
    }
    let csrf = hidden(&console.body, "csrf_token");
    let id = hidden(&console.body, "credential_id");
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("user_id", "usr_ana"),
        ("email", "ana@example.com"),
        ("credential_id", id.as_str()),
    ];
    // Ana can't use the admin's form, even with its token.
    assert_eq!(
        page_post(&harness, "/admin/revoke", &fields, &ana)
            .await
            .status,
        403
    );
    let before = device_names(&harness, "usr_ana").await.len();
    let reply = page_post(&harness, "/admin/revoke", &fields, &root).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(
        reply.header("location"),
        Some("https://auth.example.com/admin?email=ana%40example.com")
    );
    assert_eq!(device_names(&harness, "usr_ana").await.len(), before - 1);
    let all = [
        ("csrf_token", csrf.as_str()),
        ("user_id", "usr_ana"),
        ("email", "ana@example.com"),
    ];
    assert_eq!(
        page_post(&harness, "/admin/revoke-all", &all, &root)
            .await
            .status,
        303
    );
    assert!(device_names(&harness, "usr_ana").await.is_empty());
    let unknown = page_get(
        &harness,
        "/admin",
        "email=nobody%40example.com",
        Some(&root),
    )
    .await;
    assert!(unknown.body.contains("No user has the email"));
}
