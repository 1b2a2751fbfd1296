//! What every attribute of ours requires of the function it is on: a free, non-generic,
//! non-variadic `fn` whose parameters are plain names. Each caller words the reason its own way.

use syn::{FnArg, Ident, Pat, Signature};

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
