//! A tool call bounded by the server's call timeout (`STURDY_CALL_TIMEOUT`): answered with a
//! `timeout` tool error once the limit has passed.
//!
//! Written by hand rather than with `tokio::time::timeout`, which builds a timer for every call
//! (a clock read, a clone of the runtime's handle, and their drop) though most calls finish in
//! their first poll. This one arms its timer only when the call first waits, so the limit counts
//! from then: a call's first poll is its synchronous start, which no timer could interrupt.

use crate::error::ToolError;
use crate::registry::{CallResult, RegistryError};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

pin_project_lite::pin_project! {
    /// See the module docs.
    pub(super) struct Deadline<F> {
        #[pin]
        call: F,
        limit: Option<Duration>,
        // Boxed: a call that never waits never builds it, and every call's future stays small.
        timer: Option<Pin<Box<Sleep>>>,
    }
}

impl<F> Deadline<F> {
    /// `call`, cut after `limit` (`None`: never).
    pub(super) fn new(limit: Option<Duration>, call: F) -> Self {
        Deadline {
            call,
            limit,
            timer: None,
        }
    }
}

impl<F> Future for Deadline<F>
where
    F: Future<Output = Result<CallResult, RegistryError>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.call.poll(cx) {
            return Poll::Ready(output);
        }
        let Some(limit) = *this.limit else {
            return Poll::Pending;
        };
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        timer
            .as_mut()
            .poll(cx)
            .map(|()| Ok(CallResult::failed(&ToolError::Timeout(limit))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done() -> Result<CallResult, RegistryError> {
        Ok(CallResult::failed(&ToolError::Failed("finished".into())))
    }

    /// A call that finishes in its first poll is answered without any timer (none exists outside
    /// a runtime with time enabled: building one there would panic).
    #[test]
    fn a_call_that_never_waits_needs_no_timer() {
        let call = Deadline::new(Some(Duration::from_millis(1)), async { done() });
        let output = futures_util::FutureExt::now_or_never(call).expect("ready at once");
        assert!(!output
            .unwrap()
            .text
            .unwrap_or_default()
            .contains("timed out"));
    }

    /// A call that waits past its limit is answered with a timeout, from the limit's start at its
    /// first wait; one within its limit with its own output.
    #[tokio::test(start_paused = true)]
    async fn a_waiting_call_is_cut_at_its_limit() {
        let slow = Deadline::new(Some(Duration::from_secs(5)), async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            done()
        });
        let result = slow.await.unwrap();
        assert!(result.is_error);
        assert!(
            result.text.unwrap().contains("timed out"),
            "a timeout error"
        );
        let quick = Deadline::new(Some(Duration::from_secs(5)), async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            done()
        });
        let text = quick.await.unwrap().text.unwrap();
        assert!(text.contains("finished"), "{text}");
        let unbounded = Deadline::new(None, async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            done()
        });
        assert!(unbounded.await.unwrap().text.unwrap().contains("finished"));
    }
}
