//! What every handler of one HTTP server shares.

use super::kept_budget::KeptBudget;
use super::options::HttpOptions;
use super::sessions::Sessions;
use crate::mcp::Server;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The server, its settings, and the tables and caps shared by all requests.
pub(super) struct AppState {
    pub(super) server: Arc<Server>,
    pub(super) options: HttpOptions,
    pub(super) sessions: Sessions,
    /// One per request being served, held by a streamed call until the call ends (not only
    /// until its response starts).
    pub(super) permits: Arc<Semaphore>,
    /// What finished SSE streams of all sessions may hold.
    pub(super) kept_streams: Arc<KeptBudget>,
    /// The resource server's token checks and metadata, when an authorization server is set.
    #[cfg(feature = "auth")]
    pub(super) auth: Option<Arc<super::resource_auth::ResourceAuth>>,
}
