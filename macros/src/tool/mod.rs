//! `#[tool]`: parse the options and the signature, then emit the registration.

mod expand;
mod options;
mod signature;

use proc_macro2::TokenStream;

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options = options::ToolOptions::parse(attr)?;
    let mut func: syn::ItemFn = syn::parse2(item)?;
    let sig = signature::Signature::analyse(&mut func)?;
    Ok(expand::emit(&options, &sig, &func))
}
