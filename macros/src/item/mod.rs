//! The front end `#[tool]`, `#[resource]` and `#[prompt]` share: one skeleton (parse the item,
//! parse the options, analyse the function, emit; on a mistake the error plus the function
//! itself) and the options every one of them takes, parsed once, in one grammar.

mod arg;
mod common;

pub(crate) use arg::take_arg_attrs;
pub(crate) use common::{parse_options, CommonOptions};

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::ItemFn;

/// The options of one item attribute.
pub(crate) trait ItemOptions: Sized {
    /// The attribute's name, for messages (`tool`, `resource`, `prompt`).
    const ATTRIBUTE: &'static str;

    /// Reads the attribute's arguments.
    fn parse(attr: TokenStream) -> syn::Result<Self>;

    /// The options every item attribute takes.
    fn common(&self) -> &CommonOptions;
}

/// The skeleton of an item attribute: `emit` analyses the function (taking its `#[arg]`s off)
/// and generates its registration. On a mistake, the error plus the function without its
/// `#[arg]` attributes, so that the mistake is the only error and the function's callers still
/// compile.
pub(crate) fn expand<O: ItemOptions>(
    attr: TokenStream,
    item: TokenStream,
    emit: impl FnOnce(&O, &mut ItemFn) -> syn::Result<TokenStream>,
) -> TokenStream {
    let mut func = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(func)) => func,
        other => {
            let e = match other {
                Err(e) => e,
                Ok(other) => syn::Error::new(
                    other.span(),
                    format!(
                        "#[{}] applies to functions: put it on a free `fn`, sync or async",
                        O::ATTRIBUTE
                    ),
                ),
            };
            let mut out = e.into_compile_error();
            out.extend(item);
            return out;
        }
    };
    let result = O::parse(attr).and_then(|options| {
        options.common().blocking.check(&func.sig)?;
        emit(&options, &mut func)
    });
    result.unwrap_or_else(|e| {
        crate::function::strip_arg_attrs(&mut func);
        let mut out = e.into_compile_error();
        func.to_tokens(&mut out);
        out
    })
}
