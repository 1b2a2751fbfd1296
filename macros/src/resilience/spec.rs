//! The `PolicySpec` expression: what the attributes say, in the runtime's types. Arguments left
//! out are filled from the runtime's defaults (`..Retry::DEFAULT`), never copied here.

use super::ast::{Policies, RateKey};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use std::time::Duration;
use syn::spanned::Spanned;

/// `p` is the path to the runtime's `__private` module.
pub(super) fn policy_spec(
    policies: &Policies,
    p: &TokenStream,
    blocking: bool,
    cached_per_caller: bool,
) -> TokenStream {
    let rate_limit = rate_limit(policies, p);
    let cache = cache(policies, p, cached_per_caller);
    let retry = retry(policies, p);
    let circuit_breaker = circuit_breaker(policies, p);
    let breaker_when = policies
        .circuit_breaker
        .as_ref()
        .is_some_and(|b| b.args.when.is_some());
    let breaker_shared = policies
        .circuit_breaker
        .as_ref()
        .is_some_and(|b| b.args.shared);
    let timeout = optional(
        policies
            .timeout
            .as_ref()
            .and_then(|t| t.args.after)
            .map(duration),
    );
    let bulkhead = bulkhead(policies, p);
    quote! {
        #p::PolicySpec {
            rate_limit: #rate_limit, cache: #cache, retry: #retry,
            circuit_breaker: #circuit_breaker, breaker_when: #breaker_when,
            breaker_shared: #breaker_shared, timeout: #timeout,
            bulkhead: #bulkhead, blocking: #blocking,
        }
    }
}

fn rate_limit(policies: &Policies, p: &TokenStream) -> TokenStream {
    optional(policies.rate_limited.as_ref().map(|r| {
        let r = &r.args;
        let calls = r
            .calls
            .expect("validated: #[rate_limited] has a number of calls");
        let window = r
            .window
            .map_or_else(|| quote!(#p::RateSpec::DEFAULT_WINDOW), duration);
        let key = match &r.key {
            RateKey::Client => quote!(#p::RateKey::Client),
            RateKey::Global => quote!(#p::RateKey::Global),
            RateKey::Param(name) => {
                let name = name.to_string();
                quote!(#p::RateKey::Param(#name))
            }
        };
        quote!(#p::RateSpec { limit: #calls, window: #window, key: #key })
    }))
}

fn cache(policies: &Policies, p: &TokenStream, per_caller: bool) -> TokenStream {
    optional(policies.cached.as_ref().map(|c| {
        let fields = fields(
            [
                ("ttl", c.args.ttl.map(duration)),
                ("capacity", c.args.capacity.map(|n| quote!(#n as u64))),
                ("per_caller", per_caller.then(|| quote!(true))),
            ],
            quote!(#p::CacheSpec::DEFAULT),
        );
        quote!(#p::CacheSpec { #fields })
    }))
}

fn retry(policies: &Policies, p: &TokenStream) -> TokenStream {
    optional(policies.retry.as_ref().map(|r| {
        let r = &r.args;
        let fields = fields(
            [
                ("max", r.max.map(|n| quote!(#n))),
                ("base", r.base.map(duration)),
                ("max_delay", r.max_delay.map(duration)),
                ("jitter", r.jitter.map(|j| quote!(#j))),
            ],
            quote!(#p::Retry::DEFAULT),
        );
        let when = r.when.is_some();
        quote!(#p::RetrySpec { retry: #p::Retry { #fields }, when: #when })
    }))
}

fn circuit_breaker(policies: &Policies, p: &TokenStream) -> TokenStream {
    optional(policies.circuit_breaker.as_ref().map(|b| {
        let b = &b.args;
        let failure_rate = b.failure_rate.map(|rate| {
            let window = optional(b.window.as_ref().map(|w| {
                let n = w.value;
                quote!(#n)
            }));
            let min_calls = optional(b.min_calls.as_ref().map(|m| {
                let n = m.value;
                quote!(#n)
            }));
            // `FailureRate::new` checks the values against the runtime's bounds as the program
            // compiles; its error points at the argument that can break them.
            let span = b
                .window
                .as_ref()
                .or(b.min_calls.as_ref())
                .map_or_else(proc_macro2::Span::call_site, |w| w.tokens.span());
            let new = quote_spanned!(span=> #p::FailureRate::new(#rate, #window, #min_calls));
            quote!(::core::option::Option::Some(#new))
        });
        let fields = fields(
            [
                (
                    "threshold",
                    b.threshold.as_ref().map(|t| {
                        let n = t.value;
                        quote!(#n)
                    }),
                ),
                ("recovery", b.recovery.map(duration)),
                ("half_open", b.half_open.map(|n| quote!(#n))),
                ("failure_rate", failure_rate),
            ],
            quote!(#p::CircuitBreakerConfig::DEFAULT),
        );
        quote!(#p::CircuitBreakerConfig { #fields })
    }))
}

fn bulkhead(policies: &Policies, p: &TokenStream) -> TokenStream {
    optional(policies.bulkhead.as_ref().map(|b| {
        let fields = fields(
            [
                (
                    "max_concurrent",
                    b.args.max_concurrent.map(|n| quote!(#n as usize)),
                ),
                ("max_wait", b.args.max_wait.map(duration)),
            ],
            quote!(#p::BulkheadSpec::DEFAULT),
        );
        quote!(#p::BulkheadSpec { #fields })
    }))
}

/// `name: value,` for each argument written, then `..defaults` unless all were written (clippy
/// flags a struct update that updates nothing, in the user's crate).
fn fields<const N: usize>(
    fields: [(&str, Option<TokenStream>); N],
    defaults: TokenStream,
) -> TokenStream {
    let all_written = fields.iter().all(|(_, value)| value.is_some());
    let mut out: TokenStream = fields
        .into_iter()
        .filter_map(|(name, value)| {
            let name = syn::Ident::new(name, proc_macro2::Span::call_site());
            value.map(|v| quote!(#name: #v,))
        })
        .collect();
    if !all_written {
        out.extend(quote!(..#defaults));
    }
    out
}

fn duration(d: Duration) -> TokenStream {
    let nanos = u64::try_from(d.as_nanos()).expect("checked when parsed");
    quote!(::core::time::Duration::from_nanos(#nanos))
}

fn optional(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}
