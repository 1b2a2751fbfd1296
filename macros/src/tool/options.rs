//! The `#[tool(...)]` options.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{LitBool, LitStr};

#[derive(Default)]
pub struct ToolOptions {
    pub name: Option<LitStr>,
    pub description: Option<LitStr>,
    pub title: Option<LitStr>,
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

impl ToolOptions {
    pub fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut o = ToolOptions::default();
        let parser = syn::meta::parser(|meta| {
            let flag = |meta: &syn::meta::ParseNestedMeta| -> syn::Result<bool> {
                if meta.input.peek(syn::Token![=]) {
                    Ok(meta.value()?.parse::<LitBool>()?.value)
                } else {
                    Ok(true)
                }
            };
            let string = |meta: &syn::meta::ParseNestedMeta| -> syn::Result<LitStr> {
                meta.value()?.parse::<LitStr>()
            };
            if meta.path.is_ident("name") {
                let name = string(&meta)?;
                check_tool_name(&name)?;
                o.name = Some(name);
            } else if meta.path.is_ident("description") {
                o.description = Some(string(&meta)?);
            } else if meta.path.is_ident("title") {
                o.title = Some(string(&meta)?);
            } else if meta.path.is_ident("read_only") {
                o.read_only = Some(flag(&meta)?);
            } else if meta.path.is_ident("destructive") {
                o.destructive = Some(flag(&meta)?);
            } else if meta.path.is_ident("idempotent") {
                o.idempotent = Some(flag(&meta)?);
            } else if meta.path.is_ident("open_world") {
                o.open_world = Some(flag(&meta)?);
            } else {
                return Err(meta.error(
                    "unknown #[tool] option; expected one of: name, description, title, \
                     read_only, destructive, idempotent, open_world",
                ));
            }
            Ok(())
        });
        parser.parse2(attr)?;
        Ok(o)
    }
}

/// MCP tool names: 1 to 128 characters of `A-Z a-z 0-9 _ - .`.
fn check_tool_name(name: &LitStr) -> syn::Result<()> {
    let v = name.value();
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(syn::Error::new(
            name.span(),
            "a tool name has 1 to 128 characters among A-Z, a-z, 0-9, `_`, `-` and `.`",
        ))
    }
}
