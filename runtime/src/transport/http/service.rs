//! The service each connection of the accept loop calls: `POST /mcp`, nearly every request an
//! MCP client sends, goes straight to its handler; everything else through the axum router.
//!
//! Why not the router for all: measured per request (instructions under callgrind, a stateless
//! `tools/call`), the router, the `admit` middleware (boxed), the extractors (a copy of the header
//! map) and the request extensions cost about a sixth of the whole request. Both ways run the
//! same checks ([`Caller::admit`]) and the same handler ([`serve_post`]). Run through
//! `hyper::service::service_fn`, so that each request's future lives in its connection's task
//! (see [`ConnectionService::serve`]).

use super::caller::{peer_identity, Caller};
use super::post::serve_post;
use super::state::AppState;
use super::stateless_session::ConnectionSession;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// One connection's service: the server's routes and state, and the peer's address.
pub(super) struct ConnectionService {
    router: Router,
    state: Arc<AppState>,
    peer: SocketAddr,
    /// The peer as a client's identity, made once for all of the connection's requests.
    peer_identity: Arc<str>,
    /// The session its stateless requests are served in.
    stateless: ConnectionSession,
}

impl ConnectionService {
    pub(super) fn new(router: Router, state: Arc<AppState>, peer: SocketAddr) -> Self {
        ConnectionService {
            router,
            state,
            peer,
            peer_identity: peer_identity(Some(peer)),
            stateless: ConnectionSession::default(),
        }
    }
}

impl ConnectionService {
    /// Answers one request of the connection. Called through `hyper::service::service_fn`, so
    /// that the request's future is stored in the connection's own task rather than boxed anew
    /// for each request: a fresh box of a few kilobytes per request costs more in cache misses
    /// (counted with callgrind's cache simulation) than its instructions.
    pub(super) async fn serve(
        self: Arc<Self>,
        mut request: Request<Incoming>,
    ) -> Result<Response, Infallible> {
        if request.method() == Method::POST && request.uri().path() == "/mcp" {
            let (parts, body) = request.into_parts();
            let admitted =
                Caller::admit(&self.state, &parts.headers, "/mcp", &self.peer_identity).await;
            let caller = match admitted {
                Ok(caller) => caller,
                Err(refusal) => return Ok(refusal.into_response()),
            };
            return Ok(serve_post(
                &self.state,
                caller,
                &parts.headers,
                Body::new(body),
                Some(&self.stateless),
            )
            .await);
        }
        request.extensions_mut().insert(ConnectInfo(self.peer));
        self.router.clone().oneshot(request.map(Body::new)).await
    }
}
