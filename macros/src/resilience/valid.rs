//! Validation: how the attributes combine, and what they need of the function. Everything the
//! parser could not see on its own (a missing required argument is reported at its attribute).

use super::ast::{Policies, RateKey};
use crate::function::Requirements;
use crate::syntax::types::{is_context, result_types};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, ReturnType, Type};

const REQUIREMENTS: Requirements = Requirements {
    variadic: "resilience attributes need a function with a fixed list of parameters",
    method: "resilience attributes work on free functions, not methods",
    generic: "resilience attributes need a non-generic function (its policy state is one static)",
    pattern: "resilience attributes need plain parameter names",
};

/// What the expansion needs to know about the function, once everything checks out.
pub(super) struct Function {
    /// A sync `fn`: the pipeline runs on the caller's thread.
    pub blocking: bool,
    /// `Result<T, E>` as written, and its `T` and `E`.
    pub output: Type,
    pub ok: Type,
    pub err: Type,
    pub params: Vec<Param>,
    /// The parameter whose value keys the rate limit (`key = name`), by position in `params`.
    pub rate_key_param: Option<usize>,
    /// The function returns a plain value (`T`, not `Result`): only `#[cached]`, which rejects
    /// nothing, applies, and `err` is `Infallible`.
    pub infallible: bool,
}

pub(super) struct Param {
    pub ident: Ident,
    pub ty: Type,
    /// The injected `Context`: not part of a cache key.
    pub is_context: bool,
}

pub(super) fn validate(policies: &Policies, func: &ItemFn) -> syn::Result<Function> {
    check_combinations(policies)?;
    let sig = &func.sig;
    let names = REQUIREMENTS.check(sig)?;
    let blocking = sig.asyncness.is_none();
    if blocking && policies.timeout.is_some() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            "#[timeout] needs an `async fn`: a sync call cannot be interrupted at a deadline",
        ));
    }
    let output = match &sig.output {
        ReturnType::Type(_, ty) => (**ty).clone(),
        ReturnType::Default => syn::parse_quote!(()),
    };
    // A function that cannot fail gets a policy only when no policy can reject its call.
    let (ok, err, infallible) = match result_types(&output) {
        Some((ok, Some(err))) => (ok.clone(), err.clone(), false),
        None if only_caches(policies) => (
            output.clone(),
            syn::parse_quote!(::core::convert::Infallible),
            true,
        ),
        written => {
            let at = match &sig.output {
                ReturnType::Type(_, ty) => ty.span(),
                ReturnType::Default => sig.ident.span(),
            };
            let message = match written {
                // `io::Result<T>` and the like: the error type is not written out.
                Some(_) => "resilience attributes need the result's error type written out: \
                            `Result<T, E>` (with `E: From<sturdy::ToolError>`)"
                    .to_owned(),
                None => format!(
                    "{} can reject a call, so the function must return `Result<T, E>` (with \
                     `E: From<sturdy::ToolError>`) for the rejection to be returned",
                    rejecting(policies)
                ),
            };
            return Err(syn::Error::new(at, message));
        }
    };
    let params: Vec<Param> = sig
        .inputs
        .iter()
        .zip(names)
        .map(|(input, ident)| {
            let FnArg::Typed(pt) = input else {
                unreachable!("receivers were rejected")
            };
            Param {
                ident: ident.clone(),
                ty: (*pt.ty).clone(),
                is_context: is_context(&pt.ty),
            }
        })
        .collect();
    let rate_key_param = match policies.rate_limited.as_ref().map(|r| &r.args.key) {
        Some(RateKey::Param(name)) => Some(
            params
                .iter()
                .position(|p| p.ident == *name)
                .ok_or_else(|| {
                    syn::Error::new(
                        name.span(),
                        format!("no parameter named `{name}` to use as the rate-limit key"),
                    )
                })?,
        ),
        _ => None,
    };
    Ok(Function {
        blocking,
        output,
        ok,
        err,
        params,
        rate_key_param,
        infallible,
    })
}

/// Whether every policy present is one that never rejects a call (`#[cached]`).
fn only_caches(policies: &Policies) -> bool {
    policies.rate_limited.is_none()
        && policies.retry.is_none()
        && policies.circuit_breaker.is_none()
        && policies.timeout.is_none()
        && policies.bulkhead.is_none()
}

/// The attributes present that can reject a call, for the message (in pipeline order).
fn rejecting(policies: &Policies) -> String {
    let present = [
        ("#[rate_limited]", policies.rate_limited.is_some()),
        ("#[retry]", policies.retry.is_some()),
        ("#[circuit_breaker]", policies.circuit_breaker.is_some()),
        ("#[timeout]", policies.timeout.is_some()),
        ("#[bulkhead]", policies.bulkhead.is_some()),
    ];
    let names: Vec<&str> = present.iter().filter(|p| p.1).map(|p| p.0).collect();
    match names.as_slice() {
        [one] => (*one).to_owned(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
        [] => unreachable!("called when a policy rejects"),
    }
}

/// Required arguments, and arguments that only make sense together.
fn check_combinations(policies: &Policies) -> syn::Result<()> {
    if let Some(rate) = &policies.rate_limited {
        if rate.args.calls.is_none() {
            return Err(syn::Error::new(
                rate.span,
                "#[rate_limited] needs a number of calls: #[rate_limited(100, 60)]",
            ));
        }
    }
    if let Some(timeout) = &policies.timeout {
        if timeout.args.after.is_none() {
            return Err(syn::Error::new(
                timeout.span,
                "#[timeout] takes one duration: #[timeout(30)] or #[timeout(\"500ms\")]",
            ));
        }
    }
    if let Some(breaker) = &policies.circuit_breaker {
        let b = &breaker.args;
        match (&b.failure_rate, &b.threshold) {
            (Some(_), Some(threshold)) => return Err(syn::Error::new(
                threshold.name.span(),
                "`threshold` (consecutive failures) and `failure_rate` are alternatives: give one",
            )),
            (None, _) => {
                if let Some(extra) = b.window.as_ref().or(b.min_calls.as_ref()) {
                    return Err(syn::Error::new(
                        extra.name.span(),
                        format!(
                            "`{}` belongs to the failure-rate mode: add `failure_rate = 0.5`",
                            extra.name
                        ),
                    ));
                }
            }
            (Some(_), None) => {}
        }
        // Against the default window, `FailureRate::new` checks when the program compiles.
        if let (Some(window), Some(min_calls)) = (&b.window, &b.min_calls) {
            if min_calls.value > window.value {
                return Err(syn::Error::new_spanned(
                    &min_calls.tokens,
                    format!(
                        "`min_calls` cannot exceed the window ({} calls)",
                        window.value
                    ),
                ));
            }
        }
    }
    Ok(())
}
