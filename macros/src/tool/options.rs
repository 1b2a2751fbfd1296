//! The `#[tool(...)]` options.

use crate::syntax::args::{flag, set_once};
use crate::syntax::json::json_value;
use crate::syntax::literal::string;
use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::LitStr;

#[derive(Default)]
pub(super) struct ToolOptions {
    pub name: Option<LitStr>,
    pub description: Option<LitStr>,
    pub title: Option<LitStr>,
    pub read_only: Option<bool>,
    /// Declare the JSON Schema dialect (`$schema`) in the tool's schemas.
    pub schema_dialect: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
    /// `crate = path`: where the `sturdy` facade is (default `::sturdy`); the runtime uses
    /// `crate = crate` for its own tools.
    pub krate: Option<syn::Path>,
    /// `def = NAME`: emit `static NAME: ToolDef` instead of registering the tool, for tools a
    /// program adds itself (`Registry::from_defs`), such as opt-in ones.
    pub def: Option<syn::Ident>,
    /// `disabled`: registered, but off until the program turns it on.
    pub disabled: Option<bool>,
    /// `blocking`: a sync tool whose calls always go to the blocking pool.
    pub blocking: crate::function::Blocking,
    /// `input_extend = {..}`: keywords merged into the input schema's root (JSON tokens).
    pub input_extend: Option<TokenStream>,
    /// `output_schema = {..}`: the result's schema written by hand (JSON tokens).
    pub output_schema: Option<TokenStream>,
    /// `output_extend = {..}`: keywords merged into the generated output schema (JSON tokens).
    pub output_extend: Option<TokenStream>,
}

impl ToolOptions {
    pub(super) fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut o = ToolOptions::default();
        let parser = syn::meta::parser(|meta| {
            let path = meta.path.clone();
            if path.is_ident("name") {
                let name = string(meta.value()?.parse()?, "name")?;
                check_tool_name(&name)?;
                set_once(&mut o.name, name, &path)
            } else if path.is_ident("description") {
                set_once(
                    &mut o.description,
                    string(meta.value()?.parse()?, "description")?,
                    &path,
                )
            } else if path.is_ident("title") {
                set_once(
                    &mut o.title,
                    string(meta.value()?.parse()?, "title")?,
                    &path,
                )
            } else if path.is_ident("read_only") {
                set_once(&mut o.read_only, flag(&meta, "read_only")?, &path)
            } else if path.is_ident("destructive") {
                set_once(&mut o.destructive, flag(&meta, "destructive")?, &path)
            } else if path.is_ident("idempotent") {
                set_once(&mut o.idempotent, flag(&meta, "idempotent")?, &path)
            } else if path.is_ident("open_world") {
                set_once(&mut o.open_world, flag(&meta, "open_world")?, &path)
            } else if path.is_ident("schema_dialect") {
                set_once(&mut o.schema_dialect, flag(&meta, "schema_dialect")?, &path)
            } else if path.is_ident("crate") {
                set_once(&mut o.krate, meta.value()?.parse()?, &path)
            } else if path.is_ident("def") {
                set_once(&mut o.def, meta.value()?.parse()?, &path)
            } else if path.is_ident("disabled") {
                set_once(&mut o.disabled, flag(&meta, "disabled")?, &path)
            } else if path.is_ident("blocking") {
                o.blocking.parse(&meta)
            } else if path.is_ident("input_extend") {
                set_once(&mut o.input_extend, json_value(meta.value()?)?, &path)
            } else if path.is_ident("output_schema") || path.is_ident("output_extend") {
                if o.output_schema.is_some() || o.output_extend.is_some() {
                    return Err(meta.error(
                        "`output_schema` replaces the generated schema and `output_extend` adds \
                         to it: write one of them, once",
                    ));
                }
                let value = Some(json_value(meta.value()?)?);
                if path.is_ident("output_schema") {
                    o.output_schema = value;
                } else {
                    o.output_extend = value;
                }
                Ok(())
            } else {
                Err(meta.error(
                    "unknown #[tool] option; expected one of: name, description, title, \
                     read_only, destructive, idempotent, open_world, schema_dialect, \
                     disabled, blocking, input_extend, output_schema, output_extend, def, crate",
                ))
            }
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
