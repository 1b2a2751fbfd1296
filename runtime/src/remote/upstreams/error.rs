//! Why building [`Upstreams`](super::Upstreams) failed.

use std::fmt;

/// Why [`UpstreamsBuilder::build`](super::UpstreamsBuilder::build) refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamsError {
    /// No instance was given.
    NoInstances,
    /// An instance name is empty or not printable.
    BadName(String),
    /// Two instances have this name.
    DuplicateName(String),
    /// An instance's URL is not a usable base URL.
    BadUrl {
        /// The instance.
        name: String,
        /// Its URL.
        url: String,
        /// Why it is unusable.
        why: String,
    },
    /// The breaker settings are invalid.
    BadBreaker,
}

impl fmt::Display for UpstreamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpstreamsError::NoInstances => f.write_str("no upstream instances"),
            UpstreamsError::BadName(url) => write!(f, "the upstream at {url:?} has an empty name"),
            UpstreamsError::DuplicateName(name) => {
                write!(f, "two upstream instances are named {name:?}")
            }
            UpstreamsError::BadUrl { name, url, why } => {
                write!(f, "upstream {name:?}: base URL {url:?}: {why}")
            }
            UpstreamsError::BadBreaker => {
                f.write_str("breaker threshold and half-open count must be at least 1")
            }
        }
    }
}

impl std::error::Error for UpstreamsError {}
