//! `#[tool]`: the options, the parameters and result, then the registration.

mod expand;
mod options;
mod params;

use proc_macro2::TokenStream;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    crate::item::expand(attr, item, |options: &options::ToolOptions, func| {
        let sig = params::Signature::analyse(func)?;
        Ok(expand::emit(options, &sig, func))
    })
}
