//! The delegation function's routes: the classic `POST /delegation`, and
//! `POST /oauth/token` (RFC 6749 §3.2) with the code, refresh token and
//! client credentials grants.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use axum::Router;

use crate::domain::client_auth::authenticate;
use crate::domain::delegation::{delegate, DelegationResponse};
use crate::domain::dpop::{self, Proof, ProofContext, ProofError};
use crate::domain::requester::Requester;
use crate::domain::token::{token, TokenResponse, TokenStores};
use crate::domain::{now, Authority};
use crate::error::{OAuthError, DPOP_NONCE};
use crate::http::client_auth::{presented_client, required_client};
use crate::http::extract::{FormOrJson, NoStore};
use crate::http::params::Params;
use crate::http::requests::{delegation_request, token_grant, token_request};
use crate::http::route_table::{Method, Route, RouteTable};
use crate::http::{authorization, cors, dpop_header, finish_api_router};
use crate::store::Seen;

pub use crate::http::state::DelegationState;

/// The delegation function's router, as it runs on Lambda.
pub fn router(state: DelegationState) -> Router {
    finish_api_router(routes(state))
}

/// The delegation function's routes, without fallbacks, for merging.
pub fn routes(state: DelegationState) -> Router {
    table().with_state(state)
}

fn table() -> RouteTable<DelegationState> {
    RouteTable::default()
        .add(Method::Post, "/delegation", delegation)
        .add(Method::Options, "/delegation", preflight)
        .add(Method::Post, "/oauth/token", token_endpoint)
        .add(Method::Options, "/oauth/token", preflight)
}

/// What this function serves.
pub fn route_list() -> Vec<Route> {
    table().routes()
}

async fn preflight(State(state): State<DelegationState>, headers: HeaderMap) -> Response {
    cors::preflight(&headers, &state.services.authority.clients, "POST")
}

/// `POST /delegation`: JSON or form body, CORS for the client's web origins.
async fn delegation(
    State(state): State<DelegationState>,
    seen: Seen,
    headers: HeaderMap,
    FormOrJson(params): FormOrJson,
) -> Response {
    let client = cors::body_client(&state.services.authority.clients, &params);
    cors::answer(
        &headers,
        client,
        run_delegation(&state, (&headers, &seen), &params).await,
    )
}

#[tracing::instrument(skip_all, fields(client_id = tracing::field::Empty))]
async fn run_delegation(
    state: &DelegationState,
    (headers, seen): (&HeaderMap, &Seen),
    params: &Params,
) -> Result<NoStore<DelegationResponse>, OAuthError> {
    let authority = &state.services.authority;
    let presented = presented_client(authorization(headers)?, params)?;
    let client = authenticate(&authority.clients, &presented)?;
    tracing::Span::current().record("client_id", client.client_id.as_str());
    let request = delegation_request(params)?;
    delegate(authority, state.sessions.as_ref(), client, &request, seen)
        .await
        .map(NoStore)
}

/// `POST /oauth/token` (RFC 6749 §3.2): authenticate the client, then run the grant.
async fn token_endpoint(
    State(state): State<DelegationState>,
    seen: Seen,
    headers: HeaderMap,
    FormOrJson(params): FormOrJson,
) -> Response {
    let authority = &state.services.authority;
    let client = cors::body_client(&authority.clients, &params);
    let mut response = cors::answer(
        &headers,
        client,
        run_token(&state, (&headers, &seen), &params).await,
    );
    if dpop_header(&headers).is_ok_and(|proof| proof.is_some()) {
        offer_nonce(authority, &mut response);
    }
    response
}

/// Gives a DPoP client the current nonce with every answer (RFC 9449 §8.2),
/// so it can keep proving without a `use_dpop_nonce` round trip.
fn offer_nonce(authority: &Authority, response: &mut Response) {
    let nonce = authority
        .dpop_nonce_key()
        .map(|key| dpop::nonce(key, now()));
    if let Some(value) = nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
        response.headers_mut().insert(DPOP_NONCE, value);
    }
}

#[tracing::instrument(skip_all, fields(client_id = tracing::field::Empty, grant_type = tracing::field::Empty))]
async fn run_token(
    state: &DelegationState,
    (headers, seen): (&HeaderMap, &Seen),
    params: &Params,
) -> Result<NoStore<TokenResponse>, OAuthError> {
    let authority = &state.services.authority;
    let grant = token_grant(params)?;
    let presented = required_client(authorization(headers)?, params)?;
    let client = authenticate(&authority.clients, &presented)?;
    let span = tracing::Span::current();
    span.record("client_id", client.client_id.as_str());
    span.record("grant_type", tracing::field::debug(grant));
    let request = token_request(grant, params)?;
    let stores = TokenStores {
        sessions: state.sessions.as_ref(),
        codes: state.codes.as_ref(),
    };
    let proof = dpop_proof(authority, headers)?;
    let requester = Requester {
        proof: proof.as_ref(),
        seen,
    };
    token(authority, &stores, client, request, &requester)
        .await
        .map(NoStore)
}

/// The request's DPoP proof for the token endpoint (RFC 9449 §4.3), if it
/// sent one: exactly one `DPoP` header, checked against this request.
fn dpop_proof(authority: &Authority, headers: &HeaderMap) -> Result<Option<Proof>, OAuthError> {
    let Some(proof) = dpop_header(headers)? else {
        return Ok(None);
    };
    let url = format!("{}oauth/token", authority.signer.issuer());
    let nonce_key = authority.dpop_nonce_key();
    let context = ProofContext {
        method: "POST",
        url: &url,
        access_token: None,
        nonce_key,
        now: now(),
    };
    dpop::verify(proof, &context)
        .map(Some)
        .map_err(|err| match (err, nonce_key) {
            (ProofError::UseNonce, Some(key)) => {
                OAuthError::UseDpopNonce(dpop::nonce(key, context.now))
            }
            (err, _) => OAuthError::InvalidDpopProof(err.to_string()),
        })
}
