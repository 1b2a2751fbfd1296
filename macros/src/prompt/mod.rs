//! `#[prompt]`: a function that builds a prompt's messages from its arguments, registered at
//! link time. The options, the parameters (stripping their `#[arg]`s), then the registration.

mod expand;
mod options;
mod params;

use proc_macro2::TokenStream;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    crate::item::expand(attr, item, |options: &options::PromptOptions, func| {
        let params = params::analyse(func)?;
        Ok(expand::emit(options, &params, func))
    })
}
