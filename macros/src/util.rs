//! Small syntax helpers shared by the macros.

use syn::{Expr, GenericArgument, LitStr, PathArguments, Type};

/// The last path segment's name and its first generic type argument, e.g. `Option<T>` →
/// `("Option", Some(T))`. References and parentheses are not looked through.
pub fn last_segment(ty: &Type) -> Option<(String, Option<&Type>)> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let seg = p.path.segments.last()?;
    let first_arg = match &seg.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    };
    Some((seg.ident.to_string(), first_arg))
}

/// `Some(T)` when `ty` is `Option<T>` (by its last segment, as serde does).
pub fn option_inner(ty: &Type) -> Option<&Type> {
    match last_segment(ty) {
        Some((name, inner)) if name == "Option" => inner,
        _ => None,
    }
}

/// The text of the doc comments among `attrs` as a `&'static str` expression: one line each,
/// trimmed as rustdoc does; `#[doc = include_str!("…")]` pieces joined in by `concat!`.
pub fn doc_text(attrs: &[syn::Attribute]) -> proc_macro2::TokenStream {
    enum Piece {
        Line(String),
        /// `#[doc = include_str!("…")]` and the like: a macro that expands to a literal.
        Macro(syn::ExprMacro),
    }
    let pieces: Vec<Piece> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => {
                    let line = s.value();
                    Some(Piece::Line(
                        line.strip_prefix(' ').unwrap_or(&line).to_owned(),
                    ))
                }
                syn::Expr::Macro(m) => Some(Piece::Macro(m.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if pieces.iter().all(|p| matches!(p, Piece::Line(_))) {
        let text: Vec<&str> = pieces
            .iter()
            .map(|p| match p {
                Piece::Line(l) => l.as_str(),
                Piece::Macro(_) => unreachable!("all lines"),
            })
            .collect();
        let text = text.join("\n");
        let text = text.trim();
        return quote::quote!(#text);
    }
    // Text from a macro is only known after expansion: `concat!` joins the pieces at compile
    // time, and the registry trims the result.
    let parts = pieces.iter().enumerate().map(|(i, p)| {
        let sep = if i == 0 { "" } else { "\n" };
        match p {
            Piece::Line(l) => {
                let l = format!("{sep}{l}");
                quote::quote!(#l)
            }
            Piece::Macro(m) => quote::quote!(#sep, #m),
        }
    });
    quote::quote!(::core::concat!(#(#parts),*))
}

/// The value of `option = "string"`, with an error at the value when it is not a string literal.
pub fn string_value(meta: &syn::meta::ParseNestedMeta, option: &str) -> syn::Result<LitStr> {
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Ok(s),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{option}` takes a string literal: `{option} = \"…\"`"),
        )),
    }
}

/// Stores an option's value, rejecting a second occurrence (at its name).
pub fn set_once<T>(slot: &mut Option<T>, value: T, path: &syn::Path) -> syn::Result<()> {
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
