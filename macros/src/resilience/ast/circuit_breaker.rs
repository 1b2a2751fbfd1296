//! `#[circuit_breaker(threshold = 5, recovery = 60, half_open = 1, when = path)]`, or in
//! failure-rate mode `#[circuit_breaker(failure_rate = 0.5, window = 20, min_calls = 10)]`; either
//! with `shared = true` to share the open state with the other replicas.

use crate::syntax::args::{unknown_argument, ArgList};
use crate::syntax::literal::{count, duration, fraction, predicate};
use std::time::Duration;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Path};

/// The arguments written; the runtime's `CircuitBreakerConfig::DEFAULT` and `FailureRate::new`
/// supply the others. How they combine is checked later (`valid.rs`), so each keeps its tokens.
#[derive(Default)]
pub(crate) struct CircuitBreakerAttr {
    pub threshold: Option<Written<u32>>,
    pub recovery: Option<Duration>,
    pub half_open: Option<u32>,
    pub failure_rate: Option<f64>,
    pub window: Option<Written<u32>>,
    pub min_calls: Option<Written<u32>>,
    /// Which errors count as failures (all when absent).
    pub when: Option<Path>,
    /// `shared = true`: replicas share the open state (through `sturdy::shared`).
    pub shared: bool,
}

/// An argument's value with its name and value tokens, for errors about how it combines with
/// the others.
pub(crate) struct Written<T> {
    pub value: T,
    pub name: Ident,
    pub tokens: Expr,
}

impl Parse for CircuitBreakerAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let args: ArgList = input.parse()?;
        args.named_only("circuit_breaker")?;
        let mut attr = CircuitBreakerAttr::default();
        for (name, value) in &args.named {
            let written = |v| Written {
                value: v,
                name: name.clone(),
                tokens: value.clone(),
            };
            match name.to_string().as_str() {
                "threshold" => attr.threshold = Some(written(count(value, false)?)),
                "recovery" => attr.recovery = Some(duration(value, false)?),
                "half_open" => attr.half_open = Some(count(value, false)?),
                "failure_rate" => attr.failure_rate = Some(fraction(value)?),
                "window" => attr.window = Some(written(count(value, false)?)),
                "min_calls" => attr.min_calls = Some(written(count(value, false)?)),
                "when" => attr.when = Some(predicate(value)?),
                "shared" => attr.shared = boolean(value, "shared")?,
                _ => {
                    return Err(unknown_argument(
                        "circuit_breaker",
                        name,
                        "threshold, recovery, half_open, failure_rate, window, min_calls, when, \
                         shared",
                    ))
                }
            }
        }
        Ok(attr)
    }
}

/// `true` or `false`, with an error at anything else.
fn boolean(value: &Expr, name: &str) -> syn::Result<bool> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Bool(b),
            ..
        }) => Ok(b.value),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{name}` is `true` or `false`"),
        )),
    }
}
