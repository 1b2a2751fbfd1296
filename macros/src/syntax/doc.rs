//! Doc comments as descriptions.

/// The text of the doc comments among `attrs` as a `&'static str` expression: one line each,
/// trimmed as rustdoc does; `#[doc = include_str!("…")]` pieces joined in by `concat!`.
pub(crate) fn doc_text(attrs: &[syn::Attribute]) -> proc_macro2::TokenStream {
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
