//! The `#[resource(...)]` options.

use crate::syntax::args::{flag, set_once};
use crate::syntax::literal::{duration, string};
use proc_macro2::TokenStream;
use std::time::Duration;
use syn::parse::Parser;
use syn::LitStr;

pub(super) enum Address {
    /// `uri = "…"`.
    Uri(LitStr),
    /// `template = "…"`, with its variables in order.
    Template {
        literal: LitStr,
        variables: Vec<String>,
    },
}

pub(super) struct ResourceOptions {
    pub address: Address,
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub mime_type: Option<LitStr>,
    /// `disabled`: registered, but off until the program turns it on.
    pub disabled: Option<bool>,
    /// `blocking`: a sync resource whose reads always go to the blocking pool.
    pub blocking: crate::function::Blocking,
    /// `cache_ttl = …`: how long a client may reuse what it read.
    pub cache_ttl: Option<Duration>,
    /// `cache_scope = "public" | "private"`, as `true` for public.
    pub cache_public: Option<bool>,
    /// `crate = path`: where the `sturdy` facade is (default `::sturdy`).
    pub krate: Option<syn::Path>,
}

impl ResourceOptions {
    pub(super) fn parse(attr: TokenStream) -> syn::Result<Self> {
        let (mut uri, mut template) = (None, None);
        let (mut name, mut title, mut description, mut mime_type, mut krate) =
            (None, None, None, None, None);
        let (mut disabled, mut cache_ttl, mut cache_public) = (None, None, None);
        let mut blocking = crate::function::Blocking::default();
        let parser = syn::meta::parser(|meta| {
            let path = meta.path.clone();
            let text = |slot: &mut Option<LitStr>, option: &str| -> syn::Result<()> {
                let value = string(meta.value()?.parse()?, option)?;
                set_once(slot, value, &path)
            };
            if path.is_ident("uri") {
                text(&mut uri, "uri")
            } else if path.is_ident("template") {
                text(&mut template, "template")
            } else if path.is_ident("name") {
                text(&mut name, "name")
            } else if path.is_ident("title") {
                text(&mut title, "title")
            } else if path.is_ident("description") {
                text(&mut description, "description")
            } else if path.is_ident("mime_type") {
                text(&mut mime_type, "mime_type")
            } else if path.is_ident("disabled") {
                set_once(&mut disabled, flag(&meta, "disabled")?, &path)
            } else if path.is_ident("blocking") {
                blocking.parse(&meta)
            } else if path.is_ident("cache_ttl") {
                let ttl = duration(&meta.value()?.parse()?, true)?;
                set_once(&mut cache_ttl, ttl, &path)
            } else if path.is_ident("cache_scope") {
                let scope: LitStr = string(meta.value()?.parse()?, "cache_scope")?;
                let public =
                    match scope.value().as_str() {
                        "public" => true,
                        "private" => false,
                        _ => return Err(syn::Error::new(
                            scope.span(),
                            "`cache_scope` is \"public\" (any client may reuse what it read) or \
                             \"private\" (only the client that read it)",
                        )),
                    };
                set_once(&mut cache_public, public, &path)
            } else if path.is_ident("crate") {
                set_once(&mut krate, meta.value()?.parse()?, &path)
            } else {
                Err(meta.error(
                    "unknown #[resource] option; expected one of: uri, template, name, title, \
                     description, mime_type, disabled, blocking, cache_ttl, cache_scope, crate",
                ))
            }
        });
        parser.parse2(attr.clone())?;
        let address = match (uri, template) {
            (Some(uri), None) => Address::Uri(uri),
            (None, Some(literal)) => {
                let variables = template_variables(&literal)?;
                Address::Template { literal, variables }
            }
            (Some(_), Some(t)) => {
                return Err(syn::Error::new(
                    t.span(),
                    "a resource has a fixed `uri` or a `template`, not both",
                ))
            }
            (None, None) => {
                return Err(syn::Error::new(
                    proc_macro2::Span::call_site(),
                    "#[resource] needs `uri = \"scheme://…\"` (one resource) or `template = \
                     \"scheme://…/{var}\"` (a URI template, RFC 6570)",
                ))
            }
        };
        Ok(ResourceOptions {
            address,
            name,
            title,
            description,
            mime_type,
            disabled,
            blocking,
            cache_ttl,
            cache_public,
            krate,
        })
    }
}

/// The variable names of a URI template (`{var}`, `{+var}`), with an error at the literal for a
/// malformed one.
fn template_variables(literal: &LitStr) -> syn::Result<Vec<String>> {
    let text = literal.value();
    let error = |why: String| syn::Error::new(literal.span(), why);
    let mut variables = Vec::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(error("`}` without `{` in the template".into()));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| error("`{` without `}` in the template".into()))?;
        let expr = &after[..close];
        let name = expr.strip_prefix('+').unwrap_or(expr);
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(error(format!(
                "`{{{expr}}}`: a template variable is `{{name}}` or `{{+name}}` (`+`: may hold `/`), \
                 named like a Rust parameter"
            )));
        }
        if variables.iter().any(|v| v == name) {
            return Err(error(format!("the variable `{name}` appears twice")));
        }
        if close == 0 || after[close + 1..].starts_with('{') {
            return Err(error(
                "two variables in a row cannot be told apart: put text between them".into(),
            ));
        }
        variables.push(name.to_owned());
        rest = &after[close + 1..];
    }
    if variables.is_empty() {
        return Err(error(
            "a template has at least one `{variable}`; for one fixed URI write `uri = \"…\"`"
                .into(),
        ));
    }
    Ok(variables)
}
