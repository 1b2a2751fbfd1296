//! A call the client may cancel (`notifications/cancelled`): its output, or `None` once cancelled
//! (the call is dropped then, and no response is sent).
//!
//! The call is registered with the session only if it waits: most calls finish in their first
//! poll, and one that does needs no registration (a map insert and removal under a lock). On
//! stdio nothing is lost by that: messages are read in order and each request is polled once
//! before the next line is read, so a cancel for this call can only arrive after it either
//! finished or registered. Over HTTP a cancel racing the call's start may find nothing to cancel,
//! as it may find the call just finished; the client is answered either way.
//!
//! A future written by hand rather than an `async fn` with `select!`: every request's future
//! holds this one, and moves it whole at each level; the `async fn` kept the call twice in its
//! state (as its argument and as the local it is pinned in). It owns the request id and hands it
//! back with the output, so that what answers the call needs no state of its own around it.

use super::session::{Session, Tracked};
use crate::context::CallCancel;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project_lite::pin_project! {
    /// See the module docs.
    pub(super) struct UnlessCancelled<'a, F> {
        #[pin]
        call: F,
        session: &'a Session,
        id: Value,
        cancel: CallCancel,
        tracked: Option<Tracked<'a>>,
    }
}

/// What a call the client may cancel came to.
pub(super) struct Ended<T> {
    /// The request's id, handed back for its response.
    pub(super) id: Value,
    /// The call's output; `None`: cancelled.
    pub(super) output: Option<T>,
}

impl<'a, F: Future> UnlessCancelled<'a, F> {
    pub(super) fn new(session: &'a Session, id: Value, cancel: CallCancel, call: F) -> Self {
        UnlessCancelled {
            call,
            session,
            id,
            cancel,
            tracked: None,
        }
    }
}

impl<F: Future> Future for UnlessCancelled<'_, F> {
    type Output = Ended<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let ended = |id: &mut Value, output| {
            Poll::Ready(Ended {
                id: std::mem::take(id),
                output,
            })
        };
        // The call first: one that finishes as it is cancelled is answered.
        if let Poll::Ready(output) = this.call.poll(cx) {
            return ended(this.id, Some(output));
        }
        if this.tracked.is_none() {
            *this.tracked = Some(this.session.track(this.id, this.cancel.handle()));
        }
        let cancellation = this.cancel.cancellation();
        // Registered before the flag is read: a cancel between the two still wakes this.
        cancellation.wake_on_cancel(cx.waker());
        if cancellation.is_cancelled() {
            return ended(this.id, None);
        }
        Poll::Pending
    }
}
