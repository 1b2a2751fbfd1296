//! What the resilience attributes' generated code calls (through `::sturdy::__private`). The
//! small generic functions exist to put a readable message on a missing trait, at the user's type.

use super::pipeline::Fail;
use crate::error::ToolError;
use std::fmt::Display;

pub use super::cache_probes::*;
pub use super::call::{caller_key, current_client};
pub use super::circuit_breaker::{CircuitBreakerConfig, FailureRate};
pub use super::pipeline::{
    BulkheadSpec, CacheSpec, Policies, PolicySpec, Predicates, RateKey, RateSpec, RetrySpec,
};
pub use super::retry::Retry;

/// The policies of one function, for `--list-tools` (matched to tools by function path).
#[derive(Debug)]
pub struct PolicyInfo {
    /// The function's path (`module::function`).
    pub rust_path: &'static str,
    /// Its policies.
    pub spec: &'static PolicySpec,
}

inventory::collect!(PolicyInfo);

/// The policies attached to the function at `rust_path`, described as JSON.
pub fn policies_of(rust_path: &str) -> Vec<serde_json::Value> {
    inventory::iter::<PolicyInfo>
        .into_iter()
        .find(|p| p.rust_path == rust_path)
        .map(|p| p.spec.describe())
        .unwrap_or_default()
}

#[diagnostic::on_unimplemented(
    message = "`{Self}` must be `Clone`: with resilience attributes every attempt gets its own copy of the arguments",
    label = "this parameter type is not `Clone`"
)]
/// A parameter type the pipeline can copy for each attempt.
pub trait AttemptArg: Clone {}
impl<T: Clone> AttemptArg for T {}

/// A copy of an argument for one attempt (the bound gives the readable error).
pub fn clone_arg<T: AttemptArg>(v: &T) -> T {
    v.clone()
}

#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a rate-limit key: it must implement `Display`",
    label = "this parameter type is not `Display`"
)]
/// A parameter type that can key a rate limit.
pub trait RateKeyPart: Display {}
impl<T: Display> RateKeyPart for T {}

/// `f` of the key's text: written into a buffer on the stack when it fits (so that a call costs
/// no allocation), into a `String` otherwise.
pub fn with_rate_key<T: RateKeyPart, R>(v: &T, f: impl FnOnce(&str) -> R) -> R {
    use std::fmt::Write;
    struct Stack {
        bytes: [u8; 64],
        len: usize,
    }
    impl Write for Stack {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let end = self.len + s.len();
            let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
            slot.copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }
    let mut stack = Stack {
        bytes: [0; 64],
        len: 0,
    };
    match write!(stack, "{v}") {
        // Whole `&str`s were copied, so the bytes are UTF-8.
        Ok(()) => f(std::str::from_utf8(&stack.bytes[..stack.len]).expect("UTF-8")),
        Err(_) => f(&v.to_string()),
    }
}

#[diagnostic::on_unimplemented(
    message = "the error type `{Self}` must implement `From<sturdy::ToolError>` so that rejections (open circuit, rate limit, timeout, full bulkhead) can be returned",
    label = "use `sturdy::ToolError` or implement `From<sturdy::ToolError>` for this type"
)]
/// An error type the pipeline's rejections convert into.
pub trait PolicyError: From<ToolError> {}
impl<E: From<ToolError>> PolicyError for E {}

/// The function's error for a pipeline failure.
pub fn into_error<E: PolicyError + 'static>(fail: Fail<E>) -> E {
    fail.into_error()
}

/// Whether a `#[cached]` function's values can be shared by replicas (see `crate::shared`).
pub use crate::shared::{CodecProbe, LocalOnly as CodecLocalOnly, Serde as CodecSerde};

/// Runs the pipeline of a sync function on the calling thread. Not tokio's `block_on`: that one
/// refuses to run inside a runtime, and sync tools run on tokio's blocking pool.
pub use futures_executor::block_on;

/// The value of a function that cannot fail (only `#[cached]` applies): a panic in the function,
/// or in a concurrent call computing the same key, goes on as a panic.
pub fn infallible<V>(result: Result<V, Fail<std::convert::Infallible>>) -> V {
    match result {
        Ok(v) => v,
        Err(fail) => fail.resume(),
    }
}
