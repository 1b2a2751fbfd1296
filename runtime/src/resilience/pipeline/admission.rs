//! `rate_limited`: a call is admitted or rejected before anything else runs, by this process's
//! limiter or, when replicas share their limits, by the shared store.

use super::{with_client, Fail, Policies, RateKey, GLOBAL};
use crate::error::ToolError;
use futures_util::future::BoxFuture;

impl<K, V, E> Policies<K, V, E>
where
    K: Send + Sync + 'static,
    V: Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    /// The rate limit: admits the call or rejects it here (in-process), or names the key the
    /// shared store decides on (`Some`: then [`admit_shared`](Self::admit_shared)). `deferred`
    /// is a parameter key [`admit_param`](Self::admit_param) left to the shared store.
    pub(super) fn admit(&self, deferred: Option<String>) -> Result<Option<String>, Fail<E>> {
        let Some(rate) = &self.rate else {
            return Ok(None);
        };
        if shared_limits() {
            return Ok(match rate.key {
                RateKey::Global => Some(GLOBAL.to_owned()),
                RateKey::Client => Some(with_client(str::to_owned)),
                RateKey::Param(_) => deferred,
            });
        }
        let admitted = match rate.key {
            RateKey::Global => rate.limiter.check_hashed(GLOBAL, rate.global),
            RateKey::Client => with_client(|client| rate.limiter.check(client)),
            // Checked by `admit_param` before the pipeline starts.
            RateKey::Param(_) => Ok(()),
        };
        admitted.map(|()| None).map_err(|e| self.rejected(e))
    }

    /// The rate limit keyed by a parameter, whose value is `key`: admits the call or rejects it,
    /// or, when the limit is shared, hands the key over (`Some`) for [`run`](Self::run) to ask
    /// the store. Separate from `run` so that the key can be borrowed from the arguments (the
    /// pipeline's future outlives them) instead of copied for every call.
    pub fn admit_param(&self, key: &str) -> Result<Option<String>, Fail<E>> {
        match &self.rate {
            Some(_) if shared_limits() => Ok(Some(key.to_owned())),
            Some(rate) => rate
                .limiter
                .check(key)
                .map(|()| None)
                .map_err(|e| self.rejected(e)),
            None => Ok(None),
        }
    }

    /// The shared rate limit decides on `key`; while the store is unavailable, the configured
    /// fallback does (by default this replica's own limiter). Boxed: only calls with a shared
    /// limit pay for its future.
    pub(super) fn admit_shared(&self, key: String) -> BoxFuture<'_, Result<(), Fail<E>>> {
        Box::pin(async move {
            let Some(rate) = &self.rate else {
                return Ok(());
            };
            #[cfg(feature = "redis")]
            if let Some(store) = crate::shared::store() {
                use crate::shared::{RateDecision, RateLimitFallback};
                let decided = store
                    .rate_limit(self.name, &key, rate.limit, rate.window)
                    .await;
                return match decided {
                    Ok(RateDecision::Admitted) => Ok(()),
                    Ok(RateDecision::Refused(retry_after)) => {
                        Err(self.rejected(ToolError::RateLimited { retry_after }))
                    }
                    Err(_) => match store.options().rate_limit_fallback {
                        RateLimitFallback::Local => {
                            rate.limiter.check(&key).map_err(|e| self.rejected(e))
                        }
                        RateLimitFallback::Closed => Err(self.rejected(ToolError::RateLimited {
                            retry_after: std::time::Duration::from_secs(1),
                        })),
                    },
                };
            }
            rate.limiter.check(&key).map_err(|e| self.rejected(e))
        })
    }

    #[cold]
    fn rejected(&self, e: ToolError) -> Fail<E> {
        tracing::debug!(target: "sturdy::rate_limit", function = self.name, "{e}");
        if let ToolError::RateLimited { retry_after } = &e {
            span_event!("sturdy.rate_limited",
                "sturdy.function" => self.name,
                "rate_limit.key" => self.rate.as_ref().map_or("", |r| r.key.kind()),
                "rate_limit.shared" => shared_limits(),
                "retry_after_ms" => retry_after.as_secs_f64() * 1000.0);
        }
        Fail::Policy(e)
    }
}

/// Whether rate limits are decided by the shared store: one is installed, and this call runs
/// within a tokio runtime (its timeouts need one; a sync function called from plain code keeps
/// the in-process limit).
pub(super) fn shared_limits() -> bool {
    #[cfg(feature = "redis")]
    {
        super::shared_store().is_some()
    }
    #[cfg(not(feature = "redis"))]
    {
        false
    }
}
