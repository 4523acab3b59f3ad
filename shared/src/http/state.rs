//! What each function's handlers hold: the services built at cold start and
//! the narrow store interfaces that function uses, all over one store.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::app::Services;
use crate::store::{
    Codes, Credentials, RevokedAccessTokens, Sessions, SignInFailures, SignIns, Store, Users,
};

/// The authorize function's state.
#[derive(Clone)]
pub struct AuthorizeState {
    /// Authority and edge settings.
    pub services: Arc<Services>,
    /// The user directory.
    pub users: Arc<dyn Users>,
    /// Where sessions start (the implicit grant).
    pub sessions: Arc<dyn Sessions>,
    /// Where authorization codes are stored.
    pub codes: Arc<dyn Codes>,
    /// The browsers' sign-ins.
    pub sign_ins: Arc<dyn SignIns>,
    /// The failed-sign-in counters.
    pub failures: Arc<dyn SignInFailures>,
}

impl AuthorizeState {
    /// The state over one store.
    pub fn new(services: Arc<Services>, store: Arc<dyn Store>) -> Self {
        Self {
            services,
            users: store.clone(),
            sessions: store.clone(),
            codes: store.clone(),
            sign_ins: store.clone(),
            failures: store,
        }
    }
}

/// The delegation function's state.
#[derive(Clone)]
pub struct DelegationState {
    /// Authority and edge settings.
    pub services: Arc<Services>,
    /// Where refresh tokens are redeemed and code-grant sessions start.
    pub sessions: Arc<dyn Sessions>,
    /// Where authorization codes are used up.
    pub codes: Arc<dyn Codes>,
}

impl DelegationState {
    /// The state over one store.
    pub fn new(services: Arc<Services>, store: Arc<dyn Store>) -> Self {
        Self {
            services,
            sessions: store.clone(),
            codes: store,
        }
    }
}

/// The revoke function's state.
#[derive(Clone)]
pub struct RevokeState {
    /// Authority and edge settings.
    pub services: Arc<Services>,
    /// The users' credentials, as the management API sees them.
    pub credentials: Arc<dyn Credentials>,
    /// Sessions, looked up by token (RFC 7009, RFC 7662, the classic revoke).
    pub sessions: Arc<dyn Sessions>,
    /// The user directory, for `POST /api/users` and UserInfo.
    pub users: Arc<dyn Users>,
    /// Access tokens revoked before they expire.
    pub revoked: Arc<dyn RevokedAccessTokens>,
    /// Browsers' sign-ins, for the device pages.
    pub sign_ins: Arc<dyn SignIns>,
}

impl RevokeState {
    /// The state over one store.
    pub fn new(services: Arc<Services>, store: Arc<dyn Store>) -> Self {
        Self {
            services,
            credentials: store.clone(),
            sessions: store.clone(),
            users: store.clone(),
            revoked: store.clone(),
            sign_ins: store,
        }
    }
}

impl FromRef<RevokeState> for Arc<dyn RevokedAccessTokens> {
    fn from_ref(state: &RevokeState) -> Self {
        state.revoked.clone()
    }
}

macro_rules! services_from_state {
    ($($state:ty),*) => {$(
        impl FromRef<$state> for Arc<Services> {
            fn from_ref(state: &$state) -> Self {
                state.services.clone()
            }
        }
    )*};
}

services_from_state!(AuthorizeState, DelegationState, RevokeState);
