//! Retry with exponential backoff and jitter.

use std::time::Duration;

/// Settings of retries: up to `max` retries after the first attempt, waiting
/// `min(base · 2^n, max_delay)` before retry `n` (from 0), multiplied by a random factor in
/// [0.5, 1.0] when `jitter` is on.
///
/// ```
/// use sturdy_runtime::resilience::Retry;
/// use std::time::Duration;
///
/// let retry = Retry { max: 5, base: Duration::from_secs(1), max_delay: Duration::from_secs(4), jitter: false };
/// assert_eq!(retry.nominal_delay(0), Duration::from_secs(1));
/// assert_eq!(retry.nominal_delay(2), Duration::from_secs(4));
/// assert_eq!(retry.nominal_delay(3), Duration::from_secs(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retry {
    pub max: u32,
    pub base: Duration,
    pub max_delay: Duration,
    pub jitter: bool,
}

impl Default for Retry {
    fn default() -> Self {
        Retry::DEFAULT
    }
}

impl Retry {
    /// What `#[retry]` means without arguments: 3 retries, 1 s doubling up to 60 s, with jitter.
    /// The macro fills the arguments a user leaves out from here (`..Retry::DEFAULT`).
    pub const DEFAULT: Retry = Retry {
        max: 3,
        base: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        jitter: true,
    };

    /// The delay before retry `n` (0-based) without jitter.
    pub fn nominal_delay(&self, n: u32) -> Duration {
        let factor = 2u32.saturating_pow(n.min(31));
        self.base.saturating_mul(factor).min(self.max_delay)
    }

    /// The delay before retry `n`, with jitter when enabled.
    pub fn delay(&self, n: u32) -> Duration {
        let nominal = self.nominal_delay(n);
        if self.jitter {
            nominal.mul_f64(0.5 + fastrand::f64() * 0.5)
        } else {
            nominal
        }
    }

    /// Runs `attempt` until it succeeds, `retryable` says no, or `max` retries are used; returns
    /// the last result. Waits with `tokio::time::sleep`, so no thread is blocked.
    pub async fn run<T, E, F, Fut>(
        &self,
        mut attempt: F,
        retryable: impl Fn(&E) -> bool,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let mut n = 0;
        loop {
            match attempt().await {
                Err(e) if n < self.max && retryable(&e) => {
                    tokio::time::sleep(self.delay(n)).await;
                    n += 1;
                }
                result => return result,
            }
        }
    }
}
