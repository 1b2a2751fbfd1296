//! The `#[tool(...)]` options: the common ones, the annotations, the schema's edits, `def`.

use crate::item::{parse_options, CommonOptions, ItemOptions};
use crate::syntax::args::{flag, set_once};
use crate::syntax::json::json_value;
use proc_macro2::TokenStream;
use syn::LitStr;

#[derive(Default)]
pub(super) struct ToolOptions {
    pub common: CommonOptions,
    pub read_only: Option<bool>,
    /// Declare the JSON Schema dialect (`$schema`) in the tool's schemas.
    pub schema_dialect: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
    /// `def = NAME`: emit `static NAME: ToolDef` instead of registering the tool, for tools a
    /// program adds itself (`Registry::from_defs`), such as opt-in ones.
    pub def: Option<syn::Ident>,
    /// `input_extend = {..}`: keywords merged into the input schema's root (JSON tokens).
    pub input_extend: Option<TokenStream>,
    /// `output_schema = {..}`: the result's schema written by hand (JSON tokens).
    pub output_schema: Option<TokenStream>,
    /// `output_extend = {..}`: keywords merged into the generated output schema (JSON tokens).
    pub output_extend: Option<TokenStream>,
    /// `task` / `task = "optional" | "required"`: calls may run as tasks.
    pub task: Option<TaskOption>,
    /// `deferred_task`: the task begins when the call says so (`ctx.begin_task()`).
    pub deferred_task: Option<(bool, proc_macro2::Span)>,
}

/// What `task` says.
#[derive(Clone, Copy)]
pub(super) enum TaskOption {
    Optional,
    Required,
}

impl ItemOptions for ToolOptions {
    const ATTRIBUTE: &'static str = "tool";

    fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut o = ToolOptions::default();
        let mut common = CommonOptions::default();
        parse_options(
            attr,
            Self::ATTRIBUTE,
            "name, description, title, read_only, destructive, idempotent, open_world, \
             schema_dialect, disabled, blocking, scopes, input_extend, output_schema, output_extend, \
             task, deferred_task, def, crate",
            &mut common,
            |meta| {
                let path = &meta.path;
                let annotation = [
                    ("read_only", &mut o.read_only),
                    ("destructive", &mut o.destructive),
                    ("idempotent", &mut o.idempotent),
                    ("open_world", &mut o.open_world),
                    ("schema_dialect", &mut o.schema_dialect),
                ]
                .into_iter()
                .find(|(name, _)| path.is_ident(name));
                if let Some((name, slot)) = annotation {
                    set_once(slot, flag(meta, name)?, path)?;
                } else if path.is_ident("task") {
                    let task = if meta.input.peek(syn::Token![=]) {
                        let value: LitStr = meta.value()?.parse()?;
                        match value.value().as_str() {
                            "optional" => TaskOption::Optional,
                            "required" => TaskOption::Required,
                            _ => {
                                return Err(syn::Error::new(
                                    value.span(),
                                    "`task` is \"optional\" (a client without the tasks \
                                     extension gets the call run as usual) or \"required\"",
                                ))
                            }
                        }
                    } else {
                        TaskOption::Optional
                    };
                    set_once(&mut o.task, task, path)?;
                } else if path.is_ident("deferred_task") {
                    let span = syn::spanned::Spanned::span(path);
                    set_once(&mut o.deferred_task, (flag(meta, "deferred_task")?, span), path)?;
                } else if path.is_ident("def") {
                    set_once(&mut o.def, meta.value()?.parse()?, path)?;
                } else if path.is_ident("input_extend") {
                    set_once(&mut o.input_extend, json_value(meta.value()?)?, path)?;
                } else if path.is_ident("output_schema") || path.is_ident("output_extend") {
                    if o.output_schema.is_some() || o.output_extend.is_some() {
                        return Err(meta.error(
                            "`output_schema` replaces the generated schema and `output_extend` \
                             adds to it: write one of them, once",
                        ));
                    }
                    let value = Some(json_value(meta.value()?)?);
                    if path.is_ident("output_schema") {
                        o.output_schema = value;
                    } else {
                        o.output_extend = value;
                    }
                } else {
                    return Ok(false);
                }
                Ok(true)
            },
        )?;
        if let Some(name) = &common.name {
            check_tool_name(name)?;
        }
        if let (Some((true, span)), None) = (o.deferred_task, o.task) {
            return Err(syn::Error::new(
                span,
                "`deferred_task` says when a task begins: add `task` (or `task = \"required\"`)",
            ));
        }
        o.common = common;
        Ok(o)
    }

    fn common(&self) -> &CommonOptions {
        &self.common
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
