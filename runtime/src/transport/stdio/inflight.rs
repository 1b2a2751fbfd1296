//! Requests in flight on one stdio connection: each is polled once where it was read, and becomes
//! a task of its own only if it has to wait.

use crate::mcp::{Server, Session};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

pub(super) type Request = Pin<Box<dyn Future<Output = Option<Vec<u8>>> + Send>>;

pub(super) struct InFlight {
    server: Arc<Server>,
    session: Arc<Session>,
    out: mpsc::Sender<Vec<u8>>,
    permits: Arc<Semaphore>,
    tasks: JoinSet<()>,
}

/// The outcome of polling a request once.
pub(super) enum Started {
    /// Finished at once; the response to write, if any.
    Done(Option<Vec<u8>>),
    /// Waiting; hand it to [`InFlight::spawn`] once a permit is available.
    Waiting(Request),
}

impl InFlight {
    pub(super) fn new(
        server: Arc<Server>,
        out: mpsc::Sender<Vec<u8>>,
        max_in_flight: usize,
    ) -> Self {
        InFlight {
            session: Arc::new(Session::new(Some(out.clone()))),
            server,
            out,
            permits: Arc::new(Semaphore::new(max_in_flight.max(1))),
            tasks: JoinSet::new(),
        }
    }

    /// Polls the request once. A future that is not ready registers the no-op waker here, and its
    /// real waker when the spawned task polls it again.
    pub(super) fn start(&mut self, message: Vec<u8>) -> Started {
        while self.tasks.try_join_next().is_some() {}
        let (server, session) = (self.server.clone(), self.session.clone());
        let mut request: Request = Box::pin(async move { server.handle(&session, &message).await });
        match request
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(response) => Started::Done(response),
            Poll::Pending => Started::Waiting(request),
        }
    }

    /// A permit for one more waiting request (waits while `max_in_flight` are running).
    pub(super) fn permit(&self) -> impl Future<Output = OwnedSemaphorePermit> + 'static {
        let permits = self.permits.clone();
        async move {
            permits
                .acquire_owned()
                .await
                .expect("the semaphore is never closed")
        }
    }

    /// Runs a waiting request as its own task; its response goes to the writer.
    pub(super) fn spawn(&mut self, request: Request, permit: OwnedSemaphorePermit) {
        let out = self.out.clone();
        self.tasks.spawn(async move {
            if let Some(response) = request.await {
                // The writer is gone only when stdout is closed; nothing is left to tell then.
                let _ = out.send(response).await;
            }
            drop(permit);
        });
    }

    /// Waits for every running request. Input has ended, so the client can no longer answer a
    /// request of ours: tools waiting for one get an error instead of waiting forever.
    pub(super) async fn drain(mut self) {
        self.session.end();
        while self.tasks.join_next().await.is_some() {}
    }
}
