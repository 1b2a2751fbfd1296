//! `#[tool]`: parse the options and the signature, then emit the registration.

mod expand;
mod options;
mod signature;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::spanned::Spanned;

/// The registration, or on a mistake the error plus the function itself (without its `#[arg]`
/// attributes), so that the mistake is the only error and the function's callers still compile.
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut func = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(func)) => func,
        other => {
            let e = match other {
                Err(e) => e,
                Ok(other) => syn::Error::new(
                    other.span(),
                    "#[tool] applies to functions: put it on a free `fn`, sync or async",
                ),
            };
            let mut out = e.into_compile_error();
            out.extend(item);
            return out;
        }
    };
    let result = options::ToolOptions::parse(attr).and_then(|options| {
        options.blocking.check(&func.sig)?;
        let sig = signature::Signature::analyse(&mut func)?;
        Ok(expand::emit(&options, &sig, &func))
    });
    result.unwrap_or_else(|e| {
        crate::function::strip_arg_attrs(&mut func);
        let mut out = e.into_compile_error();
        func.to_tokens(&mut out);
        out
    })
}
