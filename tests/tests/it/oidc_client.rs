//! A standard OpenID Connect client library (`openidconnect`) drives the
//! service on dynalite: discovery, code + PKCE through the hosted login form,
//! the exchange, the id token checked against the JWKS, rotation, reuse, and
//! RFC 7009 revocation.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreRevocableToken,
};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, RefreshToken, RevocationUrl, Scope, TokenResponse,
};

use crate::helpers::{spawn_app, TestApp, REDIRECT_PATH};

/// GETs the login page at `url`, fills the form as the demo user, and returns
/// the code and state of the redirect.
async fn sign_in(app: &TestApp, url: &str) -> (String, String) {
    let page = app.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let mut fields = crate::handlers::hidden_fields(&page.text().await.unwrap());
    fields.push(("username".into(), local_api::DEMO_USERNAME.into()));
    fields.push(("password".into(), local_api::DEMO_PASSWORD.into()));
    let response = app
        .http
        .post(app.url("/authorize"))
        .header("cookie", cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), REDIRECT_PATH);
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    (param("code"), param("state"))
}

/// Sends the library's `https://` request to the local server over plain http.
async fn tls_terminated(
    http: &reqwest::Client,
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let url = parts.uri.to_string().replacen("https://", "http://", 1);
    let response = http
        .request(parts.method, url)
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut answer = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(answer.body(body).unwrap())
}

#[tokio::test]
async fn an_openid_connect_client_library_runs_the_whole_modern_flow() {
    let app = spawn_app().await;
    let issuer = IssuerUrl::new(app.url("/")).unwrap();

    // 1. Discovery, and the JWKS it points to.
    let metadata = CoreProviderMetadata::discover_async(issuer, &app.http)
        .await
        .expect("discovery");
    let client =
        CoreClient::from_provider_metadata(metadata, ClientId::new("local-demo".into()), None)
            .set_redirect_uri(RedirectUrl::new(app.url(REDIRECT_PATH)).unwrap())
            // The library insists on https for revocation; `tls_terminated` stands in
            // for the TLS hop API Gateway does in front of the function.
            .set_revocation_url(
                RevocationUrl::new(app.url("/oauth/revoke").replacen("http://", "https://", 1))
                    .unwrap(),
            );

    // 2. Code + PKCE through the hosted login form.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .add_extra_param("device", "oidc-laptop")
        .set_pkce_challenge(challenge)
        .url();
    let (code, state) = sign_in(&app, url.as_str()).await;
    assert_eq!(&state, csrf.secret());

    // 3. The exchange.
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&app.http)
        .await
        .expect("code exchange");

    // 4. The id token, verified by the library against the JWKS and nonce.
    let id_token = tokens.id_token().expect("an id token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("a valid id token");
    assert_eq!(claims.subject().as_str(), "usr_demo");
    let first = tokens.refresh_token().expect("offline_access").clone();

    // 5. A refresh rotates the token; the new id token verifies too.
    let refreshed = client
        .exchange_refresh_token(&first)
        .unwrap()
        .request_async(&app.http)
        .await
        .expect("refresh");
    let second = refreshed.refresh_token().expect("rotated").clone();
    assert_ne!(second.secret(), first.secret());
    let no_nonce = |_: Option<&Nonce>| Ok(());
    refreshed
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), no_nonce)
        .expect("the refreshed id token verifies");
    let third = client
        .exchange_refresh_token(&second)
        .unwrap()
        .request_async(&app.http)
        .await
        .expect("second refresh")
        .refresh_token()
        .unwrap()
        .clone();

    // 6. Reusing the first token (two generations old) is refused and ends
    //    the session: the newest token stops working as well.
    let reuse = client
        .exchange_refresh_token(&first)
        .unwrap()
        .request_async(&app.http)
        .await;
    assert!(reuse.is_err(), "reuse is refused");
    let after = client
        .exchange_refresh_token(&third)
        .unwrap()
        .request_async(&app.http)
        .await;
    assert!(after.is_err(), "the session was revoked");

    // 7. Revocation (RFC 7009) of a fresh session.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("offline_access".into()))
        .add_extra_param("device", "oidc-phone")
        .set_pkce_challenge(challenge)
        .url();
    let (code, _) = sign_in(&app, url.as_str()).await;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&app.http)
        .await
        .unwrap();
    let refresh: RefreshToken = tokens.refresh_token().unwrap().clone();
    client
        .revoke_token(CoreRevocableToken::from(refresh.clone()))
        .unwrap()
        .request_async(&|request| tls_terminated(&app.http, request))
        .await
        .expect("revocation");
    let revoked = client
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request_async(&app.http)
        .await;
    assert!(revoked.is_err(), "a revoked token is refused");
}
