//! `#[resource]`: a function that returns the contents of a resource (a fixed URI) or of every
//! URI a template expands to, registered at link time. The options, the parameters (checked
//! against the template's variables), then the registration.

mod expand;
mod options;
mod params;

use proc_macro2::TokenStream;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    crate::item::expand(attr, item, |options: &options::ResourceOptions, func| {
        let params = params::analyse(func, options)?;
        Ok(expand::emit(options, &params, func))
    })
}
