//! The options `#[tool]`, `#[resource]` and `#[prompt]` all take, and the one grammar their
//! arguments are read with (`name = "…"`, flags, `key = value`).

use crate::function::Blocking;
use crate::syntax::args::{flag, set_once};
use crate::syntax::literal::string;
use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::LitStr;

/// `name`, `title`, `description`, `disabled`, `blocking`, `scopes` and `crate`.
#[derive(Default)]
pub(crate) struct CommonOptions {
    /// `name = "…"`: the name clients see (default: the function's).
    pub name: Option<LitStr>,
    /// `title = "…"`: a human-readable title.
    pub title: Option<LitStr>,
    /// `description = "…"` (default: the doc comment).
    pub description: Option<LitStr>,
    /// `disabled`: registered, but off until the program turns it on.
    pub disabled: Option<bool>,
    /// `blocking`: a sync function whose calls always go to the blocking pool.
    pub blocking: Blocking,
    /// `scopes = ["notes:write", …]`: what a caller's access token must grant to see and use it.
    pub scopes: Option<Vec<LitStr>>,
    /// `crate = path`: where the `sturdy` facade is (default `::sturdy`); the runtime uses
    /// `crate = crate` for its own items.
    pub krate: Option<syn::Path>,
}

impl CommonOptions {
    /// Reads `meta` when it is one of the common options (`Ok(false)`: it is not).
    fn parse(&mut self, meta: &ParseNestedMeta) -> syn::Result<bool> {
        let path = &meta.path;
        let text = |slot: &mut Option<LitStr>, option: &str| -> syn::Result<()> {
            let value = string(meta.value()?.parse()?, option)?;
            set_once(slot, value, path)
        };
        if path.is_ident("name") {
            text(&mut self.name, "name")?;
        } else if path.is_ident("title") {
            text(&mut self.title, "title")?;
        } else if path.is_ident("description") {
            text(&mut self.description, "description")?;
        } else if path.is_ident("disabled") {
            set_once(&mut self.disabled, flag(meta, "disabled")?, path)?;
        } else if path.is_ident("blocking") {
            self.blocking.parse(meta)?;
        } else if path.is_ident("scopes") {
            set_once(&mut self.scopes, scopes(meta.value()?.parse()?)?, path)?;
        } else if path.is_ident("crate") {
            set_once(&mut self.krate, meta.value()?.parse()?, path)?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// `&["…", …]`: the scopes, for the definition.
    pub(crate) fn scopes_tokens(&self) -> TokenStream {
        let scopes = self.scopes.iter().flatten();
        quote!(&[#(#scopes),*])
    }

    /// The path generated code names: `<crate>::__private`.
    pub(crate) fn private_path(&self) -> TokenStream {
        match &self.krate {
            Some(krate) => quote!(#krate::__private),
            None => quote!(::sturdy::__private),
        }
    }

    /// The name clients see: the option, else the function's (without `r#`).
    pub(crate) fn name_or(&self, ident: &syn::Ident) -> String {
        self.name
            .as_ref()
            .map(LitStr::value)
            .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned())
    }
}

/// `["a", "b"]`: scope tokens (RFC 6749 §3.3: printable, no spaces, quotes or backslashes),
/// each error at its literal.
fn scopes(expr: syn::Expr) -> syn::Result<Vec<LitStr>> {
    let syn::Expr::Array(array) = expr else {
        return Err(syn::Error::new_spanned(
            expr,
            "`scopes` takes an array of string literals: `scopes = [\"notes:write\"]`",
        ));
    };
    array
        .elems
        .into_iter()
        .map(|e| {
            let scope = string(e, "scopes")?;
            let text = scope.value();
            let valid = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
            if valid {
                Ok(scope)
            } else {
                Err(syn::Error::new_spanned(
                    &scope,
                    "a scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)",
                ))
            }
        })
        .collect()
}

/// Reads the arguments of `#[<attribute>(…)]`: each is a common option or, when `specific`
/// takes it (`Ok(true)`), one of the attribute's own; `expected` lists them all for the message
/// about any other.
pub(crate) fn parse_options(
    attr: TokenStream,
    attribute: &str,
    expected: &str,
    common: &mut CommonOptions,
    mut specific: impl FnMut(&ParseNestedMeta) -> syn::Result<bool>,
) -> syn::Result<()> {
    let parser = syn::meta::parser(|meta| {
        if common.parse(&meta)? || specific(&meta)? {
            return Ok(());
        }
        Err(meta.error(format!(
            "unknown #[{attribute}] option; expected one of: {expected}"
        )))
    });
    parser.parse2(attr)
}
