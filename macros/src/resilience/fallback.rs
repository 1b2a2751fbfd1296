//! What a mistake expands to: the error, and the function itself without its resilience
//! attributes, so that the mistake is the only error (the function and its callers still
//! compile, without the policies) rather than a cascade about a function that vanished.

use super::kind::Kind;
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ItemFn;

pub(super) fn fallback(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut out = error.into_compile_error();
    match syn::parse2::<ItemFn>(item.clone()) {
        Ok(mut func) => {
            func.attrs.retain(|a| Kind::of(a).is_none());
            func.to_tokens(&mut out);
        }
        Err(_) => out.extend(item),
    }
    out
}
