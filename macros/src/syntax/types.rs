//! Recognising types by the shape the user wrote (macros see tokens, not resolved types).

use syn::{GenericArgument, PathArguments, Type};

/// The last path segment's name and its first generic type argument, e.g. `Option<T>` →
/// `("Option", Some(T))`. References and parentheses are not looked through.
pub(crate) fn last_segment(ty: &Type) -> Option<(String, Option<&Type>)> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let seg = p.path.segments.last()?;
    let first_arg = type_args(ty).next();
    Some((seg.ident.to_string(), first_arg))
}

/// `Some(T)` when `ty` is `Option<T>` (by its last segment, as serde does).
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    match last_segment(ty) {
        Some((name, inner)) if name == "Option" => inner,
        _ => None,
    }
}

/// Whether `ty` is the injected `Context` (by its last segment's name).
pub(crate) fn is_context(ty: &Type) -> bool {
    matches!(last_segment(ty), Some((name, _)) if name == "Context")
}

/// `(T, Some(E))` of a `Result<T, E>`, `(T, None)` of an alias such as `io::Result<T>` (any type
/// whose last segment is `Result`).
pub(crate) fn result_types(ty: &Type) -> Option<(&Type, Option<&Type>)> {
    match last_segment(ty) {
        Some((name, Some(ok))) if name == "Result" => Some((ok, type_args(ty).nth(1))),
        _ => None,
    }
}

/// The generic type arguments of the last path segment.
fn type_args(ty: &Type) -> impl Iterator<Item = &Type> {
    let args = match ty {
        Type::Path(p) => match p.path.segments.last().map(|s| &s.arguments) {
            Some(PathArguments::AngleBracketed(a)) => Some(a.args.iter()),
            _ => None,
        },
        _ => None,
    };
    args.into_iter().flatten().filter_map(|g| match g {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}
