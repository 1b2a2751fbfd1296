//! `retry → circuit_breaker → timeout → bulkhead → function`: each attempt, and the retries
//! around them.

#[cfg(feature = "redis")]
use super::CircuitState;
use super::{CircuitBreaker, Fail, PanicPayload, Policies, Retry, Wait};
use crate::error::ToolError;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

impl<K, V, E> Policies<K, V, E>
where
    K: Send + Sync + 'static,
    V: Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    /// `retry → circuit_breaker → timeout`, around [`isolated`](Self::isolated), in the crate's
    /// one retry loop ([`Retry::drive`]) whatever the policies (without `#[retry]`, one attempt).
    pub(super) async fn retrying<F, Fut>(&self, attempt: &mut F) -> Result<V, Fail<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        // What the last attempt that ran failed with: said again if the breaker opens under the
        // retries, so the caller learns what is wrong and not only that the circuit is open.
        let mut last_failure: Option<String> = None;
        let mut retried = 0;
        let retry = self.retry.unwrap_or(Retry::NEVER);
        let wait = if self.blocking {
            Wait::Thread
        } else {
            Wait::Timer
        };
        let result = retry
            .drive(
                |_| self.guarded(attempt()),
                |fail, delay| {
                    if !fail.retryable(self.when.retry) {
                        return false;
                    }
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    retried += 1;
                    let failure = fail.describe();
                    tracing::debug!(target: "sturdy::retry", function = self.name,
                        retry = retried, delay_ms = delay.as_secs_f64() * 1000.0,
                        "retrying: {failure}");
                    span_event!("sturdy.retry",
                        "sturdy.function" => self.name,
                        "retry.attempt" => i64::from(retried),
                        "retry.delay_ms" => delay.as_secs_f64() * 1000.0,
                        "error.type" => fail.kind());
                    last_failure = Some(failure);
                    true
                },
                wait,
            )
            .await;
        match result {
            Err(Fail::Policy(ToolError::CircuitOpen {
                retry_after,
                last_failure: None,
            })) if last_failure.is_some() => Err(Fail::Policy(ToolError::CircuitOpen {
                retry_after,
                last_failure,
            })),
            result => result,
        }
    }

    /// One attempt: `circuit_breaker → timeout → bulkhead → function`.
    async fn guarded<Fut>(&self, call: Fut) -> Result<V, Fail<E>>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        if self.breaker_shared {
            if let Some(open) = self.shared_breaker_open().await {
                span_event!("sturdy.circuit_breaker.rejected",
                    "sturdy.function" => self.name,
                    "circuit_breaker.shared" => true);
                return Err(Fail::Policy(open));
            }
        }
        let permit = match self.breaker.as_deref().map(CircuitBreaker::try_acquire) {
            Some(Err(open)) => {
                span_event!("sturdy.circuit_breaker.rejected", "sturdy.function" => self.name);
                return Err(Fail::Policy(open));
            }
            Some(Ok(permit)) => Some(permit),
            None => None,
        };
        let result = match self.timeout {
            Some(limit) => tokio::time::timeout(limit, self.isolated(call))
                .await
                .unwrap_or_else(|_| {
                    span_event!("sturdy.timeout",
                        "sturdy.function" => self.name,
                        "timeout.after_ms" => limit.as_secs_f64() * 1000.0);
                    Err(Fail::Policy(ToolError::Timeout(limit)))
                }),
            None => self.isolated(call).await,
        };
        if let Some(p) = permit {
            match &result {
                Err(fail) if fail.trips(self.when.failure) => {
                    p.failure();
                    if self.breaker_shared {
                        self.publish_if_open().await;
                    }
                }
                _ => p.success(),
            }
        }
        result
    }

    /// A shared breaker another replica (or this one) opened: the rejection, with the time
    /// left. Boxed: only shared breakers pay for this future.
    fn shared_breaker_open(&self) -> BoxFuture<'_, Option<ToolError>> {
        Box::pin(async move {
            #[cfg(feature = "redis")]
            if let Some(store) = super::shared_store() {
                let retry_after = store.breaker_open(self.name).await?;
                return Some(ToolError::CircuitOpen {
                    retry_after,
                    last_failure: None,
                });
            }
            None
        })
    }

    /// After a failure: if this replica's breaker is now open, tells the others for its
    /// recovery time.
    fn publish_if_open(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            #[cfg(feature = "redis")]
            if let (Some(store), Some(b)) = (super::shared_store(), self.breaker.as_deref()) {
                if b.state() == CircuitState::Open {
                    store.open_breaker(self.name, b.config().recovery).await;
                }
            }
        })
    }

    async fn isolated<Fut>(&self, call: Fut) -> Result<V, Fail<E>>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let _slot = match &self.bulkhead {
            Some(b) => Some(match b.try_acquire() {
                Some(slot) => slot,
                None => {
                    let started = std::time::Instant::now();
                    let slot = if self.blocking {
                        b.acquire_blocking()
                    } else {
                        // Full: wait (boxed, as the waiting future is large and rarely needed).
                        Box::pin(b.acquire()).await
                    };
                    span_event!("sturdy.bulkhead",
                        "sturdy.function" => self.name,
                        "bulkhead.waited_ms" => started.elapsed().as_secs_f64() * 1000.0,
                        "bulkhead.admitted" => slot.is_ok());
                    slot.map_err(Fail::Policy)?
                }
            }),
            None => None,
        };
        match AssertUnwindSafe(call).catch_unwind().await {
            Ok(r) => r.map_err(Fail::Inner),
            Err(payload) => Err(Fail::Panic(PanicPayload(Mutex::new(Some(payload))))),
        }
    }
}
