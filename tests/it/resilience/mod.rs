//! The resilience attributes, driven through the macros: the classic bugs of the reference
//! patterns, each with a test that would catch it, one attribute (or combination) per module.
//! Each test has its own functions (policy state is per function).

mod breaker_modes;
mod cache;
mod cached_errors;
mod circuit_breaker;
mod rate_limit;
mod retry;
mod stacking;
mod sync_functions;
mod timeout_bulkhead;

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sturdy::prelude::*;
use sturdy::resilience::{policies_for, CircuitState};

fn breaker_state(suffix: &str) -> CircuitState {
    policies_for(suffix)
        .expect("the function ran")
        .circuit_breaker()
        .expect("it has a breaker")
        .state()
}

async fn run_concurrently<F, Fut, T>(n: usize, f: F) -> Vec<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|_| tokio::spawn(f())).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
