//! `#[arg(...)]` on a parameter: the one way the three item attributes take it off and read it.

use syn::meta::ParseNestedMeta;

/// Removes every `#[arg(...)]` from a parameter's attributes, reading each of its options with
/// `option`. The first error stops the reading; the attributes go either way, so that the
/// function re-emitted after an error compiles and the error is the only one.
pub(crate) fn take_arg_attrs(
    attrs: &mut Vec<syn::Attribute>,
    mut option: impl FnMut(&ParseNestedMeta) -> syn::Result<()>,
) -> syn::Result<()> {
    let mut result = Ok(());
    attrs.retain(|a| {
        if !a.path().is_ident("arg") {
            return true;
        }
        if result.is_ok() {
            result = a.parse_nested_meta(|meta| option(&meta));
        }
        false
    });
    result
}
