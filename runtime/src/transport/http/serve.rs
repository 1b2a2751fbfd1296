//! The accept loop: HTTP/1.1 connections served by hyper with the timeouts a public server needs,
//! and a graceful shutdown bounded in time.
//!
//! Written on hyper directly rather than with `axum::serve`, which sets no timer (so no header
//! timeout: slowloris connections and idle keep-alives were held forever) and waits for every
//! connection at shutdown without a bound (one half-sent request kept the process alive).

use super::options::HttpOptions;
use super::service::ConnectionService;
use super::state::AppState;
use axum::Router;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Serves `router` (and `POST /mcp` directly, see [`ConnectionService`]) on `listener` until `shutdown` completes; then stops accepting, lets the requests
/// in flight finish for up to `options.shutdown_grace`, and returns (cutting what is left).
pub(super) async fn accept_loop(
    router: Router,
    state: Arc<AppState>,
    listener: TcpListener,
    options: &HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        // hyper starts this timer whenever it waits for a request's head, on a new connection
        // and between the requests of a kept-alive one: it bounds both slow headers and idleness.
        .header_read_timeout(options.header_read_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it was accepted: the
                    // listener is still good; pause so that a persistent error does not spin.
                    tracing::warn!(target: "sturdy::http", "accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses are small and written whole: Nagle's algorithm would only delay them.
        let _ = tcp.set_nodelay(true);
        let service = Arc::new(ConnectionService::new(router.clone(), state.clone(), peer));
        let service = service_fn(move |request| service.clone().serve(request));
        let connection = http.serve_connection(TokioIo::new(tcp), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(target: "sturdy::http", "connection from {peer} ended: {e}");
            }
        });
    }
    drop(listener);
    let grace = options.shutdown_grace;
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            target: "sturdy::http",
            "requests still running after the {:.1} s shutdown grace period were cut",
            grace.as_secs_f64()
        );
    }
    Ok(())
}
