//! Who sent a token request, as the edge saw it: the DPoP proof it carried
//! (RFC 9449), if any, and where it came from (a session's device details).

use crate::domain::dpop::Proof;
use crate::store::Seen;

/// The sender of a token request.
#[derive(Debug, Clone, Copy)]
pub struct Requester<'a> {
    /// The checked DPoP proof, if the request carried one.
    pub proof: Option<&'a Proof>,
    /// The request's address and `User-Agent`.
    pub seen: &'a Seen,
}
