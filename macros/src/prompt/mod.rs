//! `#[prompt]`: a function that builds a prompt's messages from its arguments, registered at
//! link time. Parse the options and the parameters (stripping their `#[arg]`s), then emit.

mod expand;
mod params;

use crate::syntax::args::{flag, set_once};
use crate::syntax::literal::string;
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::LitStr;

/// The `#[prompt(...)]` options.
#[derive(Default)]
pub(super) struct PromptOptions {
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    /// `disabled`: registered, but off until the program turns it on.
    pub disabled: Option<bool>,
    /// `blocking`: a sync prompt whose calls always go to the blocking pool.
    pub blocking: crate::function::Blocking,
    /// `crate = path`: where the `sturdy` facade is (default `::sturdy`).
    pub krate: Option<syn::Path>,
}

impl PromptOptions {
    fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut o = PromptOptions::default();
        let parser = syn::meta::parser(|meta| {
            let path = meta.path.clone();
            let text = |slot: &mut Option<LitStr>, option: &str| -> syn::Result<()> {
                let value = string(meta.value()?.parse()?, option)?;
                set_once(slot, value, &path)
            };
            if path.is_ident("name") {
                text(&mut o.name, "name")
            } else if path.is_ident("title") {
                text(&mut o.title, "title")
            } else if path.is_ident("description") {
                text(&mut o.description, "description")
            } else if path.is_ident("disabled") {
                set_once(&mut o.disabled, flag(&meta, "disabled")?, &path)
            } else if path.is_ident("blocking") {
                o.blocking.parse(&meta)
            } else if path.is_ident("crate") {
                set_once(&mut o.krate, meta.value()?.parse()?, &path)
            } else {
                Err(meta.error(
                    "unknown #[prompt] option; expected one of: name, title, description, \
                     disabled, blocking, crate",
                ))
            }
        });
        parser.parse2(attr)?;
        Ok(o)
    }
}

/// The registration, or on a mistake the error plus the function itself (without its `#[arg]`
/// attributes).
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut func = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(func)) => func,
        other => {
            let e = match other {
                Err(e) => e,
                Ok(other) => syn::Error::new(
                    other.span(),
                    "#[prompt] applies to functions: put it on a free `fn`, sync or async",
                ),
            };
            let mut out = e.into_compile_error();
            out.extend(item);
            return out;
        }
    };
    let result = PromptOptions::parse(attr).and_then(|options| {
        options.blocking.check(&func.sig)?;
        let params = params::analyse(&mut func)?;
        Ok(expand::emit(&options, &params, &func))
    });
    result.unwrap_or_else(|e| {
        crate::function::strip_arg_attrs(&mut func);
        let mut out = e.into_compile_error();
        func.to_tokens(&mut out);
        out
    })
}
