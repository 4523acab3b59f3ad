//! The source address of a request: API Gateway's request context on Lambda
//! (`requestContext.http.sourceIp`, or `identity.sourceIp` for a REST API),
//! the socket's peer locally. Never a client-set header such as
//! `X-Forwarded-For`, which anyone can write.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;

use crate::http::header_text;
use crate::store::Seen;

/// The address the request came from, as text; `unknown` when neither the
/// gateway nor the socket says (every such request then shares one counter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAddress(pub String);

impl SourceAddress {
    fn from_parts(parts: &Parts) -> Option<IpAddr> {
        let from_gateway = match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
            Some(RequestContext::ApiGatewayV1(context)) => context.identity.source_ip.clone(),
            _ => None,
        };
        match from_gateway {
            Some(text) => text.parse().ok(),
            None => parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        }
    }
}

/// Where a request came from, for a session's device details: the same
/// address as [`SourceAddress`] and the `User-Agent`.
impl<S: Send + Sync> FromRequestParts<S> for Seen {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let user_agent = header_text(&parts.headers, header::USER_AGENT);
        Ok(Seen::new(SourceAddress::from_parts(parts), user_agent))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SourceAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            Self::from_parts(parts).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        ))
    }
}
