//! Where a plain (sync) function's calls run. A sync tool, resource or prompt may be a pure
//! computation (`fn add(a: i64, b: i64) -> i64`) or may block (a file, a blocking client, a
//! sleep). Sending every call to tokio's blocking pool keeps a blocking function from stalling
//! the async workers, but the hop to another thread and back costs more than the call itself
//! for quick ones: two to four times the CPU of the same function written `async`.
//!
//! The rule, per function: its calls start on the blocking pool, where each is timed. Once
//! [`SEEN_QUICK_BEFORE_INLINE`] calls in a row took less than [`SLOW_CALL`], the function is
//! quick and its calls run inline, on the async worker that handles the request (as an `async`
//! function without awaits would). An inline call that takes longer than [`SLOW_CALL`] is a
//! strike; at the second strike the function goes back to the blocking pool for good (one strike
//! may be the machine, not the function: a thread descheduled mid-call). So a function that
//! blocks from its first call never runs inline, and a quick one that starts blocking later
//! holds at most two workers' time for two calls. A function known to block should be `async`,
//! or `#[tool(blocking)]`, which keeps it on the pool whatever its calls take.

use crate::error::ToolError;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// An inline call longer than this is slow (a strike); a pool call longer than this resets the
/// count of quick calls.
pub const SLOW_CALL: Duration = Duration::from_millis(1);

/// Quick calls in a row on the pool before a function's calls run inline.
pub const SEEN_QUICK_BEFORE_INLINE: u32 = 16;

/// Strikes (inline calls over [`SLOW_CALL`]) that send a function back to the pool for good.
const STRIKES_BEFORE_POOL: u32 = 2;

/// `quick_in_a_row` once the function is sent to the pool for good.
const POOL_FOR_GOOD: u32 = u32::MAX;

/// What one sync function's calls have shown (one static per function, made by the macros).
#[derive(Debug)]
pub struct SyncCalls {
    /// Quick calls in a row on the pool (saturating at [`SEEN_QUICK_BEFORE_INLINE`]: inline), or
    /// [`POOL_FOR_GOOD`].
    quick_in_a_row: AtomicU32,
    strikes: AtomicU32,
    /// Marked `#[tool(blocking)]`: always the pool.
    blocking: bool,
}

/// Where a call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// On the async worker handling the request.
    Inline,
    /// On tokio's blocking pool.
    Pool,
}

impl SyncCalls {
    /// A function not yet seen: its calls start on the pool.
    pub const fn new() -> Self {
        SyncCalls {
            quick_in_a_row: AtomicU32::new(0),
            strikes: AtomicU32::new(0),
            blocking: false,
        }
    }

    /// A function marked as blocking: always the pool.
    pub const fn blocking() -> Self {
        SyncCalls {
            quick_in_a_row: AtomicU32::new(POOL_FOR_GOOD),
            strikes: AtomicU32::new(STRIKES_BEFORE_POOL),
            blocking: true,
        }
    }

    /// Where the next call runs.
    pub fn placement(&self) -> Placement {
        if self.quick_in_a_row.load(Ordering::Relaxed) == SEEN_QUICK_BEFORE_INLINE {
            Placement::Inline
        } else {
            Placement::Pool
        }
    }

    /// Records how long a call took where it ran.
    pub fn observe(&self, placement: Placement, took: Duration) {
        if self.blocking {
            return;
        }
        let slow = took > SLOW_CALL;
        match placement {
            Placement::Inline if slow => {
                if self.strikes.fetch_add(1, Ordering::Relaxed) + 1 >= STRIKES_BEFORE_POOL {
                    self.quick_in_a_row.store(POOL_FOR_GOOD, Ordering::Relaxed);
                }
            }
            Placement::Inline => {}
            Placement::Pool => {
                // Races between concurrent calls only move the count by one either way.
                let _ =
                    self.quick_in_a_row
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| match n {
                            POOL_FOR_GOOD => None,
                            _ if slow => Some(0),
                            n => Some((n + 1).min(SEEN_QUICK_BEFORE_INLINE)),
                        });
            }
        }
    }
}

impl Default for SyncCalls {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs one call of a sync function where `calls` says (see the module docs). A panic on the
/// pool is returned as the error; inline, it unwinds like an async function's, into the
/// dispatcher's `catch_unwind`.
pub async fn run_sync<R: Send + 'static>(
    calls: &'static SyncCalls,
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<R, ToolError> {
    match calls.placement() {
        Placement::Inline => {
            // Timed on every call: quanta's clock costs a few ns where `Instant` costs tens.
            let started = quanta::Instant::now();
            let value = f();
            calls.observe(Placement::Inline, quanta::Instant::now() - started);
            Ok(value)
        }
        Placement::Pool => {
            // The call's identity and cache flag go along, for the resilience attributes of
            // sync functions.
            let call = crate::resilience::CALL.try_with(Arc::clone).ok();
            // And the request's span, for what the policies inside record on it.
            #[cfg(feature = "otel")]
            let span = opentelemetry::Context::current();
            let timed = move || {
                #[cfg(feature = "otel")]
                let _span = span.attach();
                let started = quanta::Instant::now();
                let value = match call {
                    Some(call) => crate::resilience::CALL.sync_scope(call, f),
                    None => f(),
                };
                calls.observe(Placement::Pool, quanta::Instant::now() - started);
                value
            };
            tokio::task::spawn_blocking(timed).await.map_err(|e| {
                if e.is_panic() {
                    ToolError::from_panic(&*e.into_panic())
                } else {
                    ToolError::Cancelled
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: Duration = Duration::from_micros(5);
    const SLOW: Duration = Duration::from_millis(5);

    #[test]
    fn quick_calls_move_inline_and_slow_ones_send_it_back_for_good() {
        let calls = SyncCalls::new();
        for _ in 0..SEEN_QUICK_BEFORE_INLINE - 1 {
            assert_eq!(calls.placement(), Placement::Pool);
            calls.observe(Placement::Pool, QUICK);
        }
        // A slow call on the pool starts the count again.
        calls.observe(Placement::Pool, SLOW);
        for _ in 0..SEEN_QUICK_BEFORE_INLINE {
            assert_eq!(calls.placement(), Placement::Pool);
            calls.observe(Placement::Pool, QUICK);
        }
        assert_eq!(calls.placement(), Placement::Inline);
        calls.observe(Placement::Inline, SLOW);
        assert_eq!(
            calls.placement(),
            Placement::Inline,
            "one strike is forgiven"
        );
        calls.observe(Placement::Inline, QUICK);
        calls.observe(Placement::Inline, SLOW);
        assert_eq!(calls.placement(), Placement::Pool);
        for _ in 0..10 * SEEN_QUICK_BEFORE_INLINE {
            calls.observe(Placement::Pool, QUICK);
        }
        assert_eq!(calls.placement(), Placement::Pool, "for good");
    }

    #[test]
    fn a_blocking_function_stays_on_the_pool() {
        let calls = SyncCalls::blocking();
        for _ in 0..10 * SEEN_QUICK_BEFORE_INLINE {
            calls.observe(Placement::Pool, QUICK);
        }
        assert_eq!(calls.placement(), Placement::Pool);
    }

    #[test]
    fn concurrent_observers_never_move_a_function_back_inline() {
        let calls: &'static SyncCalls = Box::leak(Box::new(SyncCalls::new()));
        for _ in 0..SEEN_QUICK_BEFORE_INLINE {
            calls.observe(Placement::Pool, QUICK);
        }
        let threads: Vec<_> = (0..8)
            .map(|i| {
                std::thread::spawn(move || {
                    for n in 0..10_000 {
                        let took = if (n + i) % 97 == 0 { SLOW } else { QUICK };
                        let placement = calls.placement();
                        calls.observe(placement, took);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(calls.placement(), Placement::Pool);
        for _ in 0..10 * SEEN_QUICK_BEFORE_INLINE {
            calls.observe(Placement::Pool, QUICK);
        }
        assert_eq!(calls.placement(), Placement::Pool);
    }
}
