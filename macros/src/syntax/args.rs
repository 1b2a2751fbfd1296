//! The argument grammar of the resilience attributes: positional values, then `name = value`
//! pairs, comma-separated.

use syn::parse::{Parse, ParseStream};
use syn::{Expr, ExprLit, Ident, Lit, Token};

/// One attribute's arguments, as written, not yet interpreted.
pub(crate) struct ArgList {
    pub positional: Vec<Expr>,
    pub named: Vec<(Ident, Expr)>,
}

impl Parse for ArgList {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut positional = Vec::new();
        let mut named: Vec<(Ident, Expr)> = Vec::new();
        while !input.is_empty() {
            if input.peek(Ident) && input.peek2(Token![=]) {
                let name: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                if named.iter().any(|(n, _)| *n == name) {
                    return Err(syn::Error::new(
                        name.span(),
                        format!("duplicate argument `{name}`"),
                    ));
                }
                named.push((name, input.parse()?));
            } else {
                if !named.is_empty() {
                    return Err(input.error("positional arguments come before named ones"));
                }
                positional.push(input.parse()?);
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(ArgList { positional, named })
    }
}

impl ArgList {
    /// An error unless every argument is named (`name = value`).
    pub(crate) fn named_only(&self, attribute: &str) -> syn::Result<()> {
        match self.positional.first() {
            Some(p) => Err(syn::Error::new_spanned(
                p,
                format!("#[{attribute}] takes named arguments (`name = value`)"),
            )),
            None => Ok(()),
        }
    }
}

/// The error for an argument name the attribute does not know, listing those it does.
pub(crate) fn unknown_argument(attribute: &str, name: &Ident, expected: &str) -> syn::Error {
    syn::Error::new(
        name.span(),
        format!("unknown #[{attribute}] argument `{name}`; expected one of: {expected}"),
    )
}

/// Stores an option's value, rejecting a second occurrence (at its name).
pub(crate) fn set_once<T>(slot: &mut Option<T>, value: T, path: &syn::Path) -> syn::Result<()> {
    if slot.is_some() {
        let name = path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(syn::Error::new_spanned(
            path,
            format!("duplicate option `{name}`"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// An annotation flag: `flag` (true) or `flag = true|false`, with an error at any other value.
pub(crate) fn flag(meta: &syn::meta::ParseNestedMeta, option: &str) -> syn::Result<bool> {
    if !meta.input.peek(syn::Token![=]) {
        return Ok(true);
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{option}` is a flag: write `{option}` or `{option} = true|false`"),
        )),
    }
}
