//! The service each connection of the accept loop calls: `POST /mcp`, nearly every request an
//! MCP client sends, goes straight to its handler; everything else through the axum router.
//!
//! Why not the router for all: measured per request (instructions under callgrind, a stateless
//! `tools/call`), the router, the `admit` middleware (boxed), the extractors (a copy of the header
//! map) and the request extensions cost about a sixth of the whole request. Both ways run the
//! same checks ([`Caller::admit`]) and the same handler ([`serve_post`]).

use super::caller::{peer_identity, Caller};
use super::post::serve_post;
use super::state::AppState;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use tower::ServiceExt;

/// One connection's service: the server's routes and state, and the peer's address.
#[derive(Clone)]
pub(super) struct ConnectionService {
    router: Router,
    state: Arc<AppState>,
    peer: SocketAddr,
    /// The peer as a client's identity, made once for all of the connection's requests.
    peer_identity: Arc<str>,
}

impl ConnectionService {
    pub(super) fn new(router: Router, state: Arc<AppState>, peer: SocketAddr) -> Self {
        ConnectionService {
            router,
            state,
            peer,
            peer_identity: peer_identity(Some(peer)),
        }
    }
}

type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl hyper::service::Service<Request<Incoming>> for ConnectionService {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, mut request: Request<Incoming>) -> Answer {
        if request.method() == Method::POST && request.uri().path() == "/mcp" {
            let state = self.state.clone();
            let peer = self.peer_identity.clone();
            return Box::pin(async move {
                let (parts, body) = request.into_parts();
                let caller = match Caller::admit(&state.options, &parts.headers, "/mcp", &peer) {
                    Ok(caller) => caller,
                    Err(refusal) => return Ok(refusal.into_response()),
                };
                Ok(serve_post(&state, caller, &parts.headers, Body::new(body)).await)
            });
        }
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let router = self.router.clone();
        Box::pin(async move { router.oneshot(request.map(Body::new)).await })
    }
}
