//! `State<T>` parameters, alike in `#[tool]`, `#[resource]` and `#[prompt]`: the application's
//! value of type `T`, taken from the call's `Context` (never from the client, never in a schema),
//! and listed in the definition so that a missing one is a start-up error.

use crate::syntax::types::last_segment;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Type};

/// A parameter written `State<T>` (recognised by its last segment, like `Context`).
pub(crate) struct StateParam {
    /// The type as written (`State<T>`, `sturdy::State<T>`).
    pub ty: Box<Type>,
    /// `T`.
    pub inner: Box<Type>,
}

impl StateParam {
    /// `Some` when `ty` is `State<T>`.
    pub(crate) fn of(ty: &Type) -> Option<Self> {
        match last_segment(ty) {
            Some((name, Some(inner))) if name == "State" => Some(StateParam {
                ty: Box::new(ty.clone()),
                inner: Box::new(inner.clone()),
            }),
            _ => None,
        }
    }

    /// `let var: State<T> = …;` from `__sturdy_ctx`, running `fail` (which sees the error as `e`)
    /// when the application provides no `T`. Spanned at `T`: a type that cannot be shared between
    /// calls (not `Send + Sync + 'static`) is reported there.
    pub(crate) fn take(
        &self,
        p: &TokenStream,
        function: &Ident,
        var: &Ident,
        fail: &TokenStream,
    ) -> TokenStream {
        let (ty, inner) = (&self.ty, &self.inner);
        let take = quote_spanned! {inner.span()=>
            #p::take_state::<#inner>(
                &__sturdy_ctx,
                ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#function)),
            )
        };
        quote! {
            let #var: #ty = match #take {
                ::core::result::Result::Ok(v) => v,
                ::core::result::Result::Err(e) => { #fail }
            };
        }
    }
}

/// The definition's `states` field: what its `State<T>` parameters need.
pub(crate) fn needs<'a>(
    p: &TokenStream,
    params: impl IntoIterator<Item = &'a StateParam>,
) -> TokenStream {
    let inner = params.into_iter().map(|s| &s.inner);
    quote!(&[#(#p::StateNeed::of::<#inner>()),*])
}
