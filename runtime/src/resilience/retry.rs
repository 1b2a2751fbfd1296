//! Retry with exponential backoff and jitter.

use std::future::Future;
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
    /// Retries after the first attempt.
    pub max: u32,
    /// The delay before the first retry.
    pub base: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// Whether delays are randomised (so that clients do not retry in step).
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

    /// No retries: the one attempt's result is the result.
    pub const NEVER: Retry = Retry {
        max: 0,
        ..Retry::DEFAULT
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
    ///
    /// ```
    /// use sturdy_runtime::resilience::Retry;
    /// use std::time::Duration;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let retry = Retry { max: 2, base: Duration::from_millis(1), ..Retry::DEFAULT };
    /// let mut calls = 0;
    /// let result: Result<(), &str> = retry.run(|| { calls += 1; async { Err("down") } }, |_| true).await;
    /// assert_eq!((result, calls), (Err("down"), 3));
    /// # });
    /// ```
    pub async fn run<T, E, F, Fut>(
        &self,
        mut attempt: F,
        retryable: impl Fn(&E) -> bool,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.drive(|_| attempt(), |e, _| retryable(e), Wait::Timer)
            .await
    }

    /// The crate's one retry loop, behind [`run`](Self::run), the resilience pipeline and
    /// `Upstreams`. `attempt(n)` makes attempt `n` (from 0); after a failure, while retries are
    /// left, `retry(&error, delay)` decides whether to retry (and may note or log the failure);
    /// then the loop waits `delay` as `wait` says.
    pub(crate) async fn drive<T, E, F, Fut>(
        &self,
        mut attempt: F,
        mut retry: impl FnMut(&E, Duration) -> bool,
        wait: Wait,
    ) -> Result<T, E>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut n = 0;
        loop {
            match attempt(n).await {
                Err(e) if n < self.max => {
                    let delay = self.delay(n);
                    if !retry(&e, delay) {
                        return Err(e);
                    }
                    wait.sleep(delay).await;
                    n += 1;
                }
                result => return result,
            }
        }
    }
}

/// How the retry loop waits between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// `tokio::time::sleep`: no thread is blocked.
    Timer,
    /// `std::thread::sleep`: for a sync function's pipeline, which runs on its caller's thread
    /// (the caller's to block, and it may have no tokio timer).
    Thread,
}

impl Wait {
    async fn sleep(self, delay: Duration) {
        match self {
            // Boxed: the wait is rare, and its future would enlarge every caller's.
            Wait::Timer => Box::pin(tokio::time::sleep(delay)).await,
            Wait::Thread => std::thread::sleep(delay),
        }
    }
}
