//! The Redis every shared policy of a process uses: one connection (to a server or a cluster,
//! reconnecting by itself), the namespace of the keys, every operation bounded by a short
//! timeout, outages told once.

use super::connection::SharedConnection;
use super::outage::{Outage, SharedStats};
use super::redis_options::RedisOptions;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

/// A process's connection to the Redis its replicas share, and the namespace of its keys.
pub struct RedisStore {
    connection: SharedConnection,
    namespace: String,
    pub(super) options: RedisOptions,
    pub(super) outage: Outage,
    /// Makes this process's entries unique among the replicas' (rate-limit log members).
    nonce: u64,
    sequence: AtomicU64,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("namespace", &self.namespace)
            .field("timeout", &self.options.timeout)
            .finish_non_exhaustive()
    }
}

/// Why an operation gave no usable answer.
#[derive(Debug)]
pub(crate) enum StoreFailure {
    /// No answer within the timeout.
    Timeout,
    /// Redis refused or the connection failed (or the answer was of the wrong shape).
    Redis(redis::RedisError),
}

impl fmt::Display for StoreFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreFailure::Timeout => f.write_str("no answer within the timeout"),
            StoreFailure::Redis(e) => write!(f, "{e}"),
        }
    }
}

impl RedisStore {
    /// A store for the server named `server` (its keys start with `sturdy:{server}:`). Connects
    /// lazily and reconnects by itself, so a Redis that is down at start-up is an outage like any
    /// other, not a failure to start; a URL that does not parse is an error. Call within a tokio
    /// runtime.
    pub fn connect(options: RedisOptions, server: &str) -> Result<Self, String> {
        let connection = SharedConnection::open(&options)?;
        Ok(RedisStore {
            connection,
            namespace: format!("sturdy:{server}"),
            options,
            outage: Outage::default(),
            nonce: fastrand::u64(..),
            sequence: AtomicU64::new(0),
        })
    }

    /// Its counters: outages, fallbacks.
    pub fn stats(&self) -> SharedStats {
        self.outage.stats()
    }

    /// The options it was made with.
    pub fn options(&self) -> &RedisOptions {
        &self.options
    }

    /// The Redis key of `kind` (`rl`, …) for `function` and `key`: under the server's namespace;
    /// a long or binary key is replaced by a digest, so a client cannot make keys of any size.
    pub(crate) fn key(&self, kind: &str, function: &str, key: &str) -> String {
        use sha2::{Digest, Sha256};
        const MAX_KEY_TEXT: usize = 128;
        let ns = &self.namespace;
        if key.len() <= MAX_KEY_TEXT && !key.contains(|c: char| c.is_control()) {
            format!("{ns}:{function}:{kind}:{key}")
        } else {
            let digest = Sha256::digest(key.as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            format!("{ns}:{function}:{kind}:#{hex}")
        }
    }

    /// The namespace of this server's keys (`sturdy:{server}`).
    pub(crate) fn namespace(&self) -> &str {
        &self.namespace
    }

    /// A text no other call of any replica uses (with this process's nonce).
    pub(crate) fn unique(&self) -> String {
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}-{n}", self.nonce)
    }

    /// Runs `operation` on the connection within the timeout; a failure is counted and told
    /// once per outage as `what`.
    pub(crate) async fn run<T, F, Fut>(&self, what: &str, operation: F) -> Result<T, StoreFailure>
    where
        F: FnOnce(SharedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        self.run_within(what, self.options.timeout, operation).await
    }

    /// [`run`](Self::run) with a timeout of its own (at least the store's): for operations
    /// that carry a task's result, not on any call's path.
    pub(crate) async fn run_within<T, F, Fut>(
        &self,
        what: &str,
        timeout: std::time::Duration,
        operation: F,
    ) -> Result<T, StoreFailure>
    where
        F: FnOnce(SharedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let started = std::time::Instant::now();
        let timeout = timeout.max(self.options.timeout);
        let outcome = tokio::time::timeout(timeout, operation(self.connection.clone()))
            .await
            .map_err(|_| StoreFailure::Timeout)
            .and_then(|r| r.map_err(StoreFailure::Redis));
        span_event!("sturdy.shared_store",
        "sturdy.policy" => what.to_owned(),
        "duration_ms" => started.elapsed().as_secs_f64() * 1000.0,
        "outcome" => match &outcome {
            Ok(_) => "ok",
            Err(StoreFailure::Timeout) => "timeout",
            Err(StoreFailure::Redis(_)) => "error",
        });
        match &outcome {
            Ok(_) => self.outage.answered(),
            Err(failure) => {
                let bad_answer = matches!(failure, StoreFailure::Redis(e) if !e.is_io_error()
                    && !e.is_timeout() && !e.is_connection_dropped() && !e.is_connection_refusal());
                self.outage.failed(what, failure, bad_answer);
            }
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::super::redis_options::redacted;
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn keys_are_namespaced_and_bounded_whatever_the_client_sends() {
        let store = RedisStore::connect(RedisOptions::new("redis://127.0.0.1:1"), "srv").unwrap();
        assert_eq!(store.key("rl", "m::f", "alice"), "sturdy:srv:m::f:rl:alice");
        let long = "x".repeat(10_000);
        let hashed = store.key("rl", "m::f", &long);
        assert!(
            hashed.starts_with("sturdy:srv:m::f:rl:#") && hashed.len() < 100,
            "{hashed}"
        );
        assert_ne!(store.key("rl", "m::f", "a\nb"), "sturdy:srv:m::f:rl:a\nb");
        assert_ne!(store.unique(), store.unique());
    }

    #[test]
    fn a_bad_url_is_an_error_and_passwords_stay_out_of_logs() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _guard = rt.enter();
        assert!(RedisStore::connect(RedisOptions::new("http://nope"), "s").is_err());
        // TLS (rustls with the webpki roots) is built in.
        assert!(RedisStore::connect(RedisOptions::new("rediss://127.0.0.1:1"), "s").is_ok());
        assert_eq!(
            redacted("redis://:secret@10.0.0.1:6379/2"),
            "redis://…@10.0.0.1:6379/2"
        );
        assert_eq!(redacted("redis://127.0.0.1"), "redis://127.0.0.1");
        assert_eq!(
            RedisOptions::new("redis://x").timeout,
            Duration::from_millis(50)
        );
    }
}
