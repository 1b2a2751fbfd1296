//! A timeout whose timer starts only once the job is pending.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pin_project_lite::pin_project! {
    /// `tokio::time::timeout`, except that the timer is only created once the job is pending: a
    /// job that completes on its first poll costs no clock read and no timer registration. The
    /// time limit counts from the first poll's return. `None` on timeout.
    pub(super) struct LazyTimeout<F> {
        #[pin]
        job: F,
        // Boxed: only pending jobs pay for its size.
        sleep: Option<Pin<Box<tokio::time::Sleep>>>,
        limit: Duration,
    }
}

impl<F> LazyTimeout<F> {
    /// `job`, given up `limit` after it first turns out to be pending.
    pub(super) fn new(job: F, limit: Duration) -> Self {
        LazyTimeout {
            job,
            sleep: None,
            limit,
        }
    }
}

impl<F: Future> Future for LazyTimeout<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(v) = this.job.poll(cx) {
            return Poll::Ready(Some(v));
        }
        let limit = *this.limit;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}
