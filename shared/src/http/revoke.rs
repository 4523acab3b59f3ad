//! The revoke function's routes: the management API (`api`), RFC 7009
//! revocation and RFC 7662 introspection with client authentication, and
//! OpenID Connect UserInfo with a bearer token.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;

use crate::clients::Client;
use crate::domain::client_auth::authenticate;
use crate::domain::revocation::{self, RevocationStores};
use crate::domain::userinfo::userinfo as domain_userinfo;
use crate::error::OAuthError;
use crate::http::client_auth::required_client;
use crate::http::extract::{Caller, Form, NoStore};
use crate::http::params::Params;
use crate::http::requests::revocation_request;
use crate::http::route_table::{Method, Route, RouteTable};
use crate::http::{account, admin, api, authorization, cors, finish_api_router};

pub use crate::http::state::RevokeState;

/// The revoke function's router, as it runs on Lambda.
pub fn router(state: RevokeState) -> Router {
    finish_api_router(routes(state))
}

/// The revoke function's routes, without fallbacks, for merging.
pub fn routes(state: RevokeState) -> Router {
    let services = state.services.clone();
    table()
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            services,
            cors::api_layer,
        ))
}

fn table() -> RouteTable<RevokeState> {
    api::routes(RouteTable::default())
        .add(Method::Post, "/oauth/revoke", oauth_revoke)
        .add(Method::Options, "/oauth/revoke", preflight)
        .add(Method::Post, "/oauth/introspect", oauth_introspect)
        .add(Method::Get, "/userinfo", userinfo)
        .add(Method::Post, "/userinfo", userinfo)
        .add(Method::Get, "/account", account::show)
        .add(Method::Post, "/account/revoke", account::revoke)
        .add(
            Method::Post,
            "/account/sign-out-others",
            account::sign_out_others,
        )
        .add(Method::Get, "/admin", admin::show)
        .add(Method::Post, "/admin/revoke", admin::revoke)
        .add(Method::Post, "/admin/revoke-all", admin::revoke_all)
        .add(Method::Options, "/userinfo", userinfo_preflight)
}

/// What this function serves.
pub fn route_list() -> Vec<Route> {
    table().routes()
}

async fn preflight(State(state): State<RevokeState>, headers: HeaderMap) -> Response {
    cors::preflight(&headers, &state.services.authority.clients, "POST")
}

async fn userinfo_preflight(State(state): State<RevokeState>, headers: HeaderMap) -> Response {
    cors::preflight(&headers, &state.services.authority.clients, "GET, POST")
}

/// `GET` and `POST /userinfo` (OIDC Core §5.3): the claims the bearer
/// token's scope releases, with CORS for the token's client's web origins.
#[tracing::instrument(skip_all, fields(client_id = tracing::field::Empty))]
async fn userinfo(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    caller: Result<Caller, OAuthError>,
) -> Response {
    let clients = &state.services.authority.clients;
    let result = match caller {
        Ok(Caller(claims)) => {
            tracing::Span::current().record("client_id", claims.client_id.as_str());
            let answer = domain_userinfo(state.users.as_ref(), &claims)
                .await
                .map_err(super::api::challenge_for(&claims));
            (clients.get(&claims.client_id), answer.map(NoStore))
        }
        Err(err) => (None, Err(err)),
    };
    cors::answer(&headers, result.0, result.1)
}

fn token_stores(state: &RevokeState) -> RevocationStores<'_> {
    RevocationStores {
        sessions: state.sessions.as_ref(),
        revoked: state.revoked.as_ref(),
    }
}

/// Authenticates the client of a form request (RFC 6749 §2.3).
fn client<'a>(
    state: &'a RevokeState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<&'a Client, OAuthError> {
    let presented = required_client(authorization(headers)?, params)?;
    let client = authenticate(&state.services.authority.clients, &presented)?;
    tracing::Span::current().record("client_id", client.client_id.as_str());
    Ok(client)
}

/// `POST /oauth/revoke` (RFC 7009 §2): 200 with an empty body once done.
async fn oauth_revoke(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    Form(params): Form,
) -> Response {
    let cors_client = cors::body_client(&state.services.authority.clients, &params);
    cors::answer(
        &headers,
        cors_client,
        run_revoke(&state, &headers, &params).await,
    )
}

#[tracing::instrument(skip_all, fields(client_id = tracing::field::Empty))]
async fn run_revoke(
    state: &RevokeState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<StatusCode, OAuthError> {
    let client = client(state, headers, params)?;
    let request = revocation_request(params)?;
    let authority = &state.services.authority;
    revocation::revoke(authority, &token_stores(state), client, &request).await?;
    Ok(StatusCode::OK)
}

/// `POST /oauth/introspect` (RFC 7662 §2).
#[tracing::instrument(skip_all, fields(client_id = tracing::field::Empty))]
async fn oauth_introspect(
    State(state): State<RevokeState>,
    headers: HeaderMap,
    Form(params): Form,
) -> Result<NoStore<serde_json::Value>, OAuthError> {
    let client = client(&state, &headers, &params)?;
    let request = revocation_request(&params)?;
    let authority = &state.services.authority;
    revocation::introspect(authority, &token_stores(&state), client, &request)
        .await
        .map(NoStore)
}
