//! A router that remembers its routes, so a test can hold the OpenAPI spec
//! (`openapi.yaml`) and `template.yaml` to exactly the routes served.

use axum::handler::Handler;
use axum::routing::{on, MethodFilter};
use axum::Router;

/// The HTTP methods the service serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
    /// `OPTIONS` (CORS preflight).
    Options,
}

impl Method {
    /// The method's name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Self::Get => MethodFilter::GET,
            Self::Post => MethodFilter::POST,
            Self::Delete => MethodFilter::DELETE,
            Self::Options => MethodFilter::OPTIONS,
        }
    }
}

/// One served route: its method and its path template (`/api/users/{user_id}`).
pub type Route = (Method, &'static str);

/// A router under construction, and the list of what it serves.
pub struct RouteTable<S> {
    router: Router<S>,
    routes: Vec<Route>,
}

impl<S: Clone + Send + Sync + 'static> Default for RouteTable<S> {
    fn default() -> Self {
        Self {
            router: Router::new(),
            routes: Vec::new(),
        }
    }
}

impl<S: Clone + Send + Sync + 'static> RouteTable<S> {
    /// Serves `handler` for `method` on `path`.
    pub fn add<H, T>(mut self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.router = self.router.route(path, on(method.filter(), handler));
        self.routes.push((method, path));
        self
    }

    /// The routes, in the order they were added.
    pub fn routes(&self) -> Vec<Route> {
        self.routes.clone()
    }

    /// The router, with its state.
    pub fn with_state(self, state: S) -> Router {
        self.router.with_state(state)
    }
}
