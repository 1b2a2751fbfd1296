//! Parsing: the resilience attributes on one function, each into its typed arguments. Nothing
//! here looks at how they combine or at the function's signature (`valid.rs` does).

mod bulkhead;
mod cached;
mod circuit_breaker;
mod rate_limited;
mod retry;
mod timeout;

pub(super) use bulkhead::BulkheadAttr;
pub(super) use cached::CachedAttr;
pub(super) use circuit_breaker::CircuitBreakerAttr;
pub(super) use rate_limited::{RateKey, RateLimitedAttr};
pub(super) use retry::RetryAttr;
pub(super) use timeout::TimeoutAttr;

use super::kind::Kind;
use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::ItemFn;

/// One attribute's arguments and where the attribute is (for errors about it as a whole).
pub(super) struct Placed<T> {
    pub args: T,
    pub span: Span,
}

/// Everything written in one function's resilience attributes.
#[derive(Default)]
pub(super) struct Policies {
    pub rate_limited: Option<Placed<RateLimitedAttr>>,
    pub cached: Option<Placed<CachedAttr>>,
    pub retry: Option<Placed<RetryAttr>>,
    pub circuit_breaker: Option<Placed<CircuitBreakerAttr>>,
    pub timeout: Option<Placed<TimeoutAttr>>,
    pub bulkhead: Option<Placed<BulkheadAttr>>,
}

impl Policies {
    /// The attribute being expanded (`kind` with `args`), plus the sibling resilience attributes,
    /// which are taken off `func`: the first one the compiler expands builds the whole pipeline.
    pub(super) fn take(kind: Kind, args: TokenStream, func: &mut ItemFn) -> syn::Result<Policies> {
        let mut policies = Policies::default();
        policies.add(kind, args, Span::call_site())?;
        let mut siblings = Vec::new();
        func.attrs.retain(|a| match Kind::of(a) {
            Some(k) => {
                siblings.push((k, a.clone()));
                false
            }
            None => true,
        });
        for (kind, attr) in siblings {
            let args = match &attr.meta {
                syn::Meta::Path(_) => TokenStream::new(),
                syn::Meta::List(l) => l.tokens.clone(),
                syn::Meta::NameValue(nv) => {
                    return Err(syn::Error::new(
                        nv.span(),
                        "expected #[attribute(arguments)]",
                    ))
                }
            };
            policies.add(kind, args, attr.span())?;
        }
        Ok(policies)
    }

    fn add(&mut self, kind: Kind, args: TokenStream, span: Span) -> syn::Result<()> {
        fn place<T: syn::parse::Parse>(
            slot: &mut Option<Placed<T>>,
            kind: Kind,
            args: TokenStream,
            span: Span,
        ) -> syn::Result<()> {
            if slot.is_some() {
                return Err(syn::Error::new(
                    span,
                    format!("#[{}] is given twice on this function", kind.name()),
                ));
            }
            let args = T::parse.parse2(args)?;
            *slot = Some(Placed { args, span });
            Ok(())
        }
        match kind {
            Kind::RateLimited => place(&mut self.rate_limited, kind, args, span),
            Kind::Cached => place(&mut self.cached, kind, args, span),
            Kind::Retry => place(&mut self.retry, kind, args, span),
            Kind::CircuitBreaker => place(&mut self.circuit_breaker, kind, args, span),
            Kind::Timeout => place(&mut self.timeout, kind, args, span),
            Kind::Bulkhead => place(&mut self.bulkhead, kind, args, span),
        }
    }
}
