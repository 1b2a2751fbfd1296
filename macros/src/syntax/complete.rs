//! `complete = [..]` or `complete = path::to_fn` on a parameter: where its completions come from.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{LitStr, Token};

/// A parameter's completions, as written.
pub(crate) enum CompleteSpec {
    /// `complete = ["a", "b"]`: a fixed list.
    Values(Vec<LitStr>),
    /// `complete = path::to_fn`: `fn(&str) -> Vec<String>`.
    Function(syn::Path),
}

impl CompleteSpec {
    /// Reads the value after `complete =`.
    pub(crate) fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(syn::token::Bracket) {
            let content;
            syn::bracketed!(content in input);
            let values =
                Punctuated::<LitStr, Token![,]>::parse_terminated(&content).map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "`complete = [..]` lists string literals, e.g. [\"paris\", \"park\"]",
                    )
                })?;
            Ok(CompleteSpec::Values(values.into_iter().collect()))
        } else {
            input.parse().map(CompleteSpec::Function).map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "`complete` takes a list of strings or a function `fn(&str) -> Vec<String>`",
                )
            })
        }
    }

    /// The runtime's `Completer` for it (`p` is the `__private` path).
    pub(crate) fn completer(&self, p: &TokenStream) -> TokenStream {
        match self {
            CompleteSpec::Values(values) => quote!(#p::Completer::Values(&[#(#values),*])),
            // Coerced here, so a function of another signature is an error at its path.
            CompleteSpec::Function(f) => {
                let function = quote_spanned! {f.span()=>
                    #f as fn(&str) -> ::std::vec::Vec<::std::string::String>
                };
                quote!(#p::Completer::Function(#function))
            }
        }
    }
}
