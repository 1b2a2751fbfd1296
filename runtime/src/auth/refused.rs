//! Why a token is not accepted, and the challenge that says so.

use super::metadata::Challenge;

/// Why a token is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Not valid here (401 `invalid_token`).
    Invalid(&'static str),
    /// Valid, without the scopes the request needs (403 `insufficient_scope`).
    InsufficientScope(String),
}

impl Refused {
    pub(crate) fn challenge(self) -> Challenge {
        match self {
            Refused::Invalid(why) => Challenge::InvalidToken(why),
            Refused::InsufficientScope(scopes) => Challenge::InsufficientScope(scopes),
        }
    }
}
