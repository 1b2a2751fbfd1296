//! The SSE streams of a session, kept so that no response is lost when a connection is: every
//! event has an id (`<stream>-<n>`), the call writes into the stream whether or not anyone is
//! connected, and a client whose connection dropped (or that the server closed, see
//! `HttpOptions::sse_close_after`) resumes with `GET /mcp` and `Last-Event-ID`: it gets what it
//! missed, then the rest as it comes.
//!
//! Bounded: a stream keeps at most [`STREAM_BYTES`] of events (the oldest go first; a
//! resumption from before them is refused); a session keeps its last [`KEPT_STREAMS`] streams,
//! and a finished one for [`FINISHED_KEPT`] at most (a client resumes within seconds) and while
//! the session's finished streams hold less than [`SESSION_BYTES`]; across sessions, finished
//! streams are kept only within the server's and the client's budgets
//! (`HttpOptions::kept_stream_bytes`, `kept_stream_bytes_per_client`).

use super::kept_budget::{Charge, KeptBudget};
use axum::body::Bytes;
use futures_util::Stream as FuturesStream;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Streams a session keeps for resumption.
pub const KEPT_STREAMS: usize = 32;
/// Event bytes a stream keeps.
pub const STREAM_BYTES: usize = 1024 * 1024;
/// Event bytes a session's finished streams keep, together.
pub const SESSION_BYTES: usize = 4 * 1024 * 1024;
/// How long a finished stream is kept.
pub const FINISHED_KEPT: Duration = Duration::from_secs(30);
/// How long a client waits before reconnecting (the SSE `retry` field of the first event).
const RETRY: Duration = Duration::from_millis(500);

/// One session's streams.
#[derive(Default)]
pub(super) struct Replay {
    inner: Mutex<Kept>,
    /// Where finished streams are charged, and to which client (`None`: no budget but the
    /// session's own).
    budget: Option<(Arc<KeptBudget>, Arc<str>)>,
}

#[derive(Default)]
struct Kept {
    next_id: u64,
    streams: VecDeque<Arc<SseStream>>,
}

impl Replay {
    /// The streams of a session of `client`, whose finished streams are charged to `budget`.
    pub(super) fn new(budget: Arc<KeptBudget>, client: Arc<str>) -> Self {
        Replay {
            inner: Mutex::default(),
            budget: Some((budget, client)),
        }
    }

    /// A new stream of this session, kept for resumption.
    pub(super) fn open(&self) -> Arc<SseStream> {
        let mut kept = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        kept.next_id += 1;
        let mut stream = SseStream::new(Some(kept.next_id));
        stream.budget = self.budget.clone();
        let stream = Arc::new(stream);
        // Forget finished streams: expired ones, then the oldest while they hold too much.
        let now = Instant::now();
        kept.streams.retain(|s| {
            s.lock()
                .finished_at
                .is_none_or(|at| now.duration_since(at) < FINISHED_KEPT)
        });
        let mut finished_bytes: usize = kept
            .streams
            .iter()
            .map(|s| s.lock())
            .filter(|s| s.finished_at.is_some())
            .map(|s| s.bytes)
            .sum();
        kept.streams.retain(|s| {
            let state = s.lock();
            if finished_bytes <= SESSION_BYTES || state.finished_at.is_none() {
                return true;
            }
            finished_bytes -= state.bytes;
            false
        });
        kept.streams.push_back(stream.clone());
        if kept.streams.len() > KEPT_STREAMS {
            kept.streams.pop_front();
        }
        stream
    }

    /// Stops keeping `stream` (it finished over budget): it lives on only for a connection still
    /// reading it.
    pub(super) fn forget(&self, stream: &Arc<SseStream>) {
        let mut kept = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        kept.streams.retain(|s| !Arc::ptr_eq(s, stream));
    }

    /// The stream named by a `Last-Event-ID`, and the position after that event; `None` when
    /// the id is malformed, names no kept stream, or an event that is no longer kept.
    pub(super) fn find(&self, last_event_id: &str) -> Option<(Arc<SseStream>, u64)> {
        let (stream, seq) = last_event_id.split_once('-')?;
        let (stream, seq): (u64, u64) = (stream.parse().ok()?, seq.parse().ok()?);
        let kept = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let found = kept.streams.iter().find(|s| s.id == Some(stream))?.clone();
        drop(kept);
        let state = found.lock();
        if state
            .finished_at
            .is_some_and(|at| at.elapsed() >= FINISHED_KEPT)
        {
            return None;
        }
        // Everything after `seq` must still be there, and `seq` must have been sent.
        // `checked_add`: the id comes from the client, `u64::MAX` included.
        let next = seq.checked_add(1)?;
        let end = state.base + state.events.len() as u64;
        (next >= state.base && next <= end).then_some(())?;
        drop(state);
        Some((found, next))
    }
}

/// What [`SseStream::step`] found.
enum Step {
    /// The event numbered `.1`, as SSE text.
    Event(Bytes, u64),
    /// Finished, or the connection's time is up.
    End,
    /// Something was added: look again.
    Changed,
}

/// The events of one response stream, as the call produces them.
pub(super) struct SseStream {
    /// `None`: not resumable (a stateless request's stream): no ids, no first event.
    id: Option<u64>,
    state: Mutex<State>,
    changed: Notify,
    /// Charged for its bytes once finished (see [`Replay::new`]).
    budget: Option<(Arc<KeptBudget>, Arc<str>)>,
}

struct State {
    /// The number of the first event kept (events are numbered from 1).
    base: u64,
    events: VecDeque<Arc<str>>,
    bytes: usize,
    /// When the call ended; `None` while it runs.
    finished_at: Option<Instant>,
    /// What keeping it finished costs its client, released when it is dropped.
    charge: Option<Charge>,
}

impl SseStream {
    pub(super) fn new(id: Option<u64>) -> Self {
        SseStream {
            id,
            state: Mutex::new(State {
                base: 1,
                events: VecDeque::new(),
                bytes: 0,
                finished_at: None,
                charge: None,
            }),
            changed: Notify::new(),
            budget: None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds one message (a notification, a request to the client, the response).
    pub(super) fn push(&self, message: Vec<u8>) {
        let text: Arc<str> = String::from_utf8_lossy(&message).into();
        let mut state = self.lock();
        state.bytes += text.len();
        state.events.push_back(text);
        while state.bytes > STREAM_BYTES && state.events.len() > 1 {
            let gone = state.events.pop_front().expect("not empty");
            state.bytes -= gone.len();
            state.base += 1;
        }
        drop(state);
        self.changed.notify_waiters();
    }

    /// Nothing more will come. Whether the stream may be kept for resumption: `false` when its
    /// bytes do not fit its client's or the server's budget (then its session should
    /// [`forget`](Replay::forget) it).
    pub(super) fn finish(&self) -> bool {
        let mut state = self.lock();
        state.finished_at = Some(Instant::now());
        let kept = match &self.budget {
            Some((budget, client)) => {
                state.charge = budget.charge(client, state.bytes);
                state.charge.is_some()
            }
            None => true,
        };
        drop(state);
        self.changed.notify_waiters();
        kept
    }

    /// Event `next` (or the first one kept after it) when there is one, else waits for a change.
    async fn step(&self, next: u64, deadline: Option<tokio::time::Instant>) -> Step {
        let changed = self.changed.notified();
        tokio::pin!(changed);
        // Registered before looking, so that a push in between is not missed.
        changed.as_mut().enable();
        {
            let state = self.lock();
            // Events evicted before a slow reader got them are skipped.
            let next = next.max(state.base);
            if let Some(text) = state.events.get((next - state.base) as usize) {
                let id = self.id.map(|id| format!("{id}-{next}"));
                return Step::Event(frame(Some("message"), id.as_deref(), None, text), next);
            }
            if state.finished_at.is_some() {
                return Step::End;
            }
        }
        match deadline {
            Some(deadline) => tokio::select! {
                _ = changed => Step::Changed,
                _ = tokio::time::sleep_until(deadline) => Step::End,
            },
            None => {
                changed.await;
                Step::Changed
            }
        }
    }

    /// The SSE events from number `from` on, following the stream until it finishes, or until
    /// `close_after` has passed (then the client resumes with `GET`). The response that opens a
    /// resumable stream begins with an event that carries only an id and the `retry` delay, so
    /// that the client can resume even before the first message (`opening`).
    pub(super) fn follow(
        self: Arc<Self>,
        from: u64,
        opening: bool,
        close_after: Option<Duration>,
    ) -> impl FuturesStream<Item = Result<Bytes, Infallible>> + Send {
        let deadline = close_after.map(|d| tokio::time::Instant::now() + d);
        let priming = match self.id {
            Some(id) if opening => Some(Ok(frame(None, Some(&format!("{id}-0")), Some(RETRY), ""))),
            _ => None,
        };
        let events = futures_util::stream::unfold((self, from), move |(stream, next)| async move {
            loop {
                match stream.step(next, deadline).await {
                    Step::Event(event, at) => return Some((Ok(event), (stream, at + 1))),
                    Step::End => return None,
                    Step::Changed => continue,
                }
            }
        });
        futures_util::StreamExt::chain(futures_util::stream::iter(priming), events)
    }
}

/// One SSE event as text. Written by hand, not with axum's `Sse`: the first event needs an empty
/// `data:` line (SSE parsers skip events without one, and clients look for it), which axum's
/// writer leaves out.
fn frame(event: Option<&str>, id: Option<&str>, retry: Option<Duration>, data: &str) -> Bytes {
    let mut out = String::with_capacity(data.len() + 48);
    if let Some(event) = event {
        out.push_str("event: ");
        out.push_str(event);
        out.push('\n');
    }
    if let Some(id) = id {
        out.push_str("id: ");
        out.push_str(id);
        out.push('\n');
    }
    if let Some(retry) = retry {
        out.push_str(&format!("retry: {}\n", retry.as_millis()));
    }
    // Each line of the data is a `data:` line (JSON messages have none but the one).
    for line in data.split(['\n', '\r']) {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    Bytes::from(out)
}

/// An SSE response of these events.
pub(super) fn response(
    events: impl FuturesStream<Item = Result<Bytes, Infallible>> + Send + 'static,
) -> axum::response::Response {
    use axum::http::header;
    axum::response::Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(axum::body::Body::from_stream(events))
        .expect("a valid response")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_streams_are_forgotten_beyond_the_session_budget_live_ones_are_kept() {
        let replay = Replay::default();
        let live = replay.open();
        live.push(vec![b'x'; 100]);
        let big = vec![b'y'; SESSION_BYTES / 3];
        let finished: Vec<_> = (0..4)
            .map(|_| {
                let s = replay.open();
                s.push(big.clone());
                s.finish();
                s
            })
            .collect();
        // Opening one more forgets the oldest finished stream (4 × a third is over budget).
        let _newest = replay.open();
        assert!(replay.find("1-0").is_some(), "the live stream stays");
        assert!(
            replay.find("2-0").is_none(),
            "the oldest finished one is gone"
        );
        for n in 3..=5 {
            assert!(replay.find(&format!("{n}-0")).is_some(), "stream {n}");
        }
        // A stream trims its own oldest events past its budget; resuming before them fails.
        let s = &finished[3];
        for _ in 0..3 {
            s.push(vec![b'z'; STREAM_BYTES / 2]);
        }
        assert!(replay.find("5-0").is_none());
        assert!(replay.find("5-3").is_some());
        // Ids that were never sent are refused.
        assert!(replay.find("5-9").is_none());
        assert!(replay.find("nonsense").is_none());
    }
}
