//! The resilience attributes. Whichever of them the compiler expands first takes all of them off
//! the function and builds the whole pipeline at once, so their order in the source does not
//! matter: it is always `rate_limited → cached → retry → circuit_breaker → timeout → bulkhead`.
//! The generated code only describes the policies (`PolicySpec`) and asks the runtime for their
//! state, so where that state lives stays a runtime decision.
//!
//! Parse (`ast`) → validate (`valid`) → expand (`expand`, `spec`); on any error, `fallback`.

mod ast;
mod expand;
mod fallback;
mod kind;
mod spec;
mod valid;

pub(crate) use kind::Kind;

use proc_macro2::TokenStream;
use syn::ItemFn;

/// Expands the attribute `kind` (with its arguments `args`) on `item`.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let result = syn::parse2::<ItemFn>(item.clone()).and_then(|mut func| {
        let policies = ast::Policies::take(kind, args, &mut func)?;
        let function = valid::validate(&policies, &func)?;
        Ok(expand::expand(&policies, &function, func))
    });
    result.unwrap_or_else(|e| fallback::fallback(e, item))
}
