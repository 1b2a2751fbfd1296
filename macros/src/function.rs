//! What every attribute of ours requires of the function it is on: a free, non-generic,
//! non-variadic `fn` whose parameters are plain names. Each caller words the reason its own way.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, Ident, ItemFn, Pat, Signature};

/// The messages of one attribute for the shapes it cannot handle.
pub(crate) struct Requirements {
    /// Why not on a variadic function (reported at the `...`).
    pub variadic: &'static str,
    /// Why not on a method (reported at `self`).
    pub method: &'static str,
    /// Why not on a generic function (reported at the generics).
    pub generic: &'static str,
    /// Why parameters must be plain names (reported at the pattern).
    pub pattern: &'static str,
}

impl Requirements {
    /// Checks the function's shape; on success, its parameters' names in order.
    pub(crate) fn check<'a>(&self, sig: &'a Signature) -> syn::Result<Vec<&'a Ident>> {
        if let Some(r) = sig.receiver() {
            return Err(syn::Error::new(r.self_token.span, self.method));
        }
        if let Some(g) = sig.generics.params.first() {
            return Err(syn::Error::new_spanned(g, self.generic));
        }
        if let Some(v) = &sig.variadic {
            return Err(syn::Error::new_spanned(v, self.variadic));
        }
        sig.inputs
            .iter()
            .map(|input| {
                let FnArg::Typed(pt) = input else {
                    unreachable!("receivers were rejected above")
                };
                match &*pt.pat {
                    Pat::Ident(pi) if pi.subpat.is_none() => Ok(&pi.ident),
                    other => Err(syn::Error::new_spanned(other, self.pattern)),
                }
            })
            .collect()
    }
}

/// Strips our `#[arg]` attributes from every parameter, ignoring their errors: the function is
/// re-emitted after an error so that its callers still compile, and the compiler does not know
/// `#[arg]`.
pub(crate) fn strip_arg_attrs(func: &mut ItemFn) {
    for input in func.sig.inputs.iter_mut() {
        if let FnArg::Typed(pt) = input {
            pt.attrs.retain(|a| !a.path().is_ident("arg"));
        }
    }
}

/// The `blocking` option of `#[tool]`, `#[resource]` and `#[prompt]`: a sync function whose calls
/// always go to tokio's blocking pool (where it was written, for the error on an async fn).
#[derive(Clone, Copy, Default)]
pub(crate) struct Blocking(Option<(bool, proc_macro2::Span)>);

impl Blocking {
    /// Reads `blocking` or `blocking = true|false`, once.
    pub(crate) fn parse(&mut self, meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
        let span = syn::spanned::Spanned::span(&meta.path);
        crate::syntax::args::set_once(
            &mut self.0,
            (crate::syntax::args::flag(meta, "blocking")?, span),
            &meta.path,
        )
    }

    /// An error on an async function, where it means nothing.
    pub(crate) fn check(self, sig: &Signature) -> syn::Result<()> {
        match (self.0, &sig.asyncness) {
            (Some((true, span)), Some(_)) => Err(syn::Error::new(
                span,
                "`blocking` is for plain (sync) functions: an async fn runs on the async \
                 workers, never on the blocking pool",
            )),
            _ => Ok(()),
        }
    }

    pub(crate) fn is_on(self) -> bool {
        self.0.is_some_and(|(on, _)| on)
    }
}

/// The expression that calls the user's function inside the generated async block (`p` is the
/// `__private` path): awaited when it is async; when it is sync, inline once seen quick or on
/// tokio's blocking pool (`sturdy_runtime::sync_calls`; always the pool when `blocking`), with a
/// panic there returned as the error.
pub(crate) fn invoke(
    p: &TokenStream,
    sig: &Signature,
    args: &[TokenStream],
    blocking: bool,
) -> TokenStream {
    let ident = &sig.ident;
    if sig.asyncness.is_some() {
        quote!(#ident(#(#args),*).await)
    } else {
        let calls = if blocking {
            quote!(#p::SyncCalls::blocking())
        } else {
            quote!(#p::SyncCalls::new())
        };
        quote! {
            match {
                static CALLS: #p::SyncCalls = #calls;
                #p::run_sync(&CALLS, move || #ident(#(#args),*))
            }
            .await
            {
                ::core::result::Result::Ok(v) => v,
                ::core::result::Result::Err(e) => return ::core::result::Result::Err(e),
            }
        }
    }
}
