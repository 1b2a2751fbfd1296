//! Answers that stream: a call's notifications and requests to the client, then its response,
//! as SSE, kept for resumption in a session.

use super::replay::{self, Replay, SseStream};
use super::responses::raw_json;
use crate::mcp::{Server, Session};
use crate::protocol::Attached;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit};
use tokio_util::sync::CancellationToken;

/// A request running in its own task: its messages to the client (notifications, requests)
/// arrive on `notes`, its response on `done`. Cancelling `closed` drops the call.
pub(super) struct RunningCall {
    notes: mpsc::Receiver<Vec<u8>>,
    done: oneshot::Receiver<Option<Vec<u8>>>,
    closed: CancellationToken,
    /// The call's place under the concurrency cap, released when it ends.
    permit: OwnedSemaphorePermit,
}

impl RunningCall {
    pub(super) fn start(
        server: Arc<Server>,
        session: Arc<Session>,
        body: Bytes,
        attached: Attached,
        permit: OwnedSemaphorePermit,
    ) -> Self {
        let (note_tx, notes) = mpsc::channel::<Vec<u8>>(64);
        let (done_tx, done) = oneshot::channel::<Option<Vec<u8>>>();
        let closed = CancellationToken::new();
        let cancelled = closed.clone();
        tokio::spawn(async move {
            tokio::select! {
                response = server.handle_attached(&session, &body, Some(note_tx), attached) => {
                    let _ = done_tx.send(response);
                }
                _ = cancelled.cancelled() => {}
            }
        });
        RunningCall {
            notes,
            done,
            closed,
            permit,
        }
    }
}

/// A plain JSON response if the call finishes without sending anything first (and, with
/// `sse_close_after`, within that time), else an SSE stream that starts with what it sent. The
/// call runs inline until then (most calls never send anything, and cost no task); a dropped
/// request drops it, as for any JSON response.
pub(super) async fn json_or_sse(
    server: Arc<Server>,
    session: Arc<Session>,
    body: Bytes,
    attached: Attached,
    out: Outlet,
    permit: OwnedSemaphorePermit,
) -> Response {
    let (note_tx, mut notes) = mpsc::channel::<Vec<u8>>(64);
    let mut call = Box::pin(async move {
        server
            .handle_attached(&session, &body, Some(note_tx), attached)
            .await
    });
    let long = async {
        match (&out.replay, out.close_after) {
            (Some(_), Some(after)) => tokio::time::sleep(after).await,
            _ => std::future::pending().await,
        }
    };
    let first = tokio::select! {
        biased;
        Some(note) = notes.recv() => Some(note),
        response = call.as_mut() => {
            return match response {
                Some(bytes) => raw_json(StatusCode::OK, bytes),
                // Cancelled by the client: it expects no answer.
                None => StatusCode::ACCEPTED.into_response(),
            };
        }
        // A long call: its answer will come on a stream the client can resume.
        _ = long => None,
    };
    // From now on the call runs in a task of its own, feeding the stream.
    let (done_tx, done) = oneshot::channel();
    tokio::spawn(async move {
        let _ = done_tx.send(call.await);
    });
    let call = RunningCall {
        notes,
        done,
        closed: CancellationToken::new(),
        permit,
    };
    sse_response(call, first, out)
}

/// Where an SSE response goes: a session's kept streams (resumable), or nowhere but the
/// connection (stateless).
pub(super) struct Outlet {
    pub(super) replay: Option<Arc<Replay>>,
    pub(super) close_after: Option<Duration>,
}

/// Streams the call's notifications (after `first`, if given), then its response.
///
/// In a session the call writes into a kept stream (see [`replay`]), whether or not a connection
/// reads it: a closed stream is not a cancellation (the client sends `notifications/cancelled`),
/// and the client can resume it with `GET` and `Last-Event-ID`. A stateless (2026-07-28) client
/// cancels a request by closing its stream, so then the call is dropped with the stream. (With a
/// JSON response, hyper drops the handler, and the call with it.)
pub(super) fn sse_response(call: RunningCall, first: Option<Vec<u8>>, out: Outlet) -> Response {
    let RunningCall {
        mut notes,
        mut done,
        closed,
        permit,
    } = call;
    let (stream, on_close, close_after) = match &out.replay {
        Some(replay) => (replay.open(), None, out.close_after),
        None => (
            Arc::new(SseStream::new(None)),
            Some(closed.drop_guard()),
            None,
        ),
    };
    if let Some(first) = first {
        stream.push(first);
    }
    let writer = stream.clone();
    let session_streams = out.replay.clone();
    tokio::spawn(async move {
        // Until the call has ended, whether or not anyone reads its stream.
        let _permit = permit;
        loop {
            tokio::select! {
                biased;
                Some(note) = notes.recv() => writer.push(note),
                response = &mut done => {
                    // Notifications sent before the response come first.
                    while let Ok(note) = notes.try_recv() {
                        writer.push(note);
                    }
                    if let Ok(Some(r)) = response {
                        writer.push(r);
                    }
                    break;
                }
            }
        }
        if !writer.finish() {
            if let Some(replay) = session_streams {
                replay.forget(&writer);
            }
        }
    });
    // The guard lives as long as the connection's stream: dropping it cancels the call.
    let events = stream.follow(1, true, close_after).map(move |e| {
        let _ = &on_close;
        e
    });
    replay::response(events)
}
