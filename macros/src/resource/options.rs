//! The `#[resource(...)]` options.

use crate::item::{parse_options, CommonOptions, ItemOptions};
use crate::syntax::args::set_once;
use crate::syntax::literal::{duration, string};
use proc_macro2::TokenStream;
use std::time::Duration;
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
    pub common: CommonOptions,
    pub address: Address,
    pub mime_type: Option<LitStr>,
    /// `cache_ttl = …`: how long a client may reuse what it read.
    pub cache_ttl: Option<Duration>,
    /// `cache_scope = "public" | "private"`, as `true` for public.
    pub cache_public: Option<bool>,
}

impl ItemOptions for ResourceOptions {
    const ATTRIBUTE: &'static str = "resource";

    fn parse(attr: TokenStream) -> syn::Result<Self> {
        let (mut uri, mut template, mut mime_type) = (None, None, None);
        let (mut cache_ttl, mut cache_public) = (None, None);
        let mut common = CommonOptions::default();
        parse_options(
            attr,
            Self::ATTRIBUTE,
            "uri, template, name, title, description, mime_type, disabled, blocking, scopes, cache_ttl, \
             cache_scope, crate",
            &mut common,
            |meta| {
                let path = &meta.path;
                let text = |slot: &mut Option<LitStr>, option: &str| -> syn::Result<()> {
                    let value = string(meta.value()?.parse()?, option)?;
                    set_once(slot, value, path)
                };
                if path.is_ident("uri") {
                    text(&mut uri, "uri")?;
                } else if path.is_ident("template") {
                    text(&mut template, "template")?;
                } else if path.is_ident("mime_type") {
                    text(&mut mime_type, "mime_type")?;
                } else if path.is_ident("cache_ttl") {
                    let ttl = duration(&meta.value()?.parse()?, true)?;
                    set_once(&mut cache_ttl, ttl, path)?;
                } else if path.is_ident("cache_scope") {
                    let scope: LitStr = string(meta.value()?.parse()?, "cache_scope")?;
                    set_once(&mut cache_public, cache_scope(&scope)?, path)?;
                } else {
                    return Ok(false);
                }
                Ok(true)
            },
        )?;
        Ok(ResourceOptions {
            common,
            address: address(uri, template)?,
            mime_type,
            cache_ttl,
            cache_public,
        })
    }

    fn common(&self) -> &CommonOptions {
        &self.common
    }
}

/// `cache_scope`, as `true` for public.
fn cache_scope(scope: &LitStr) -> syn::Result<bool> {
    match scope.value().as_str() {
        "public" => Ok(true),
        "private" => Ok(false),
        _ => Err(syn::Error::new(
            scope.span(),
            "`cache_scope` is \"public\" (any client may reuse what it read) or \"private\" \
             (only the client that read it)",
        )),
    }
}

/// Where the resource is: one fixed URI or a template, never both, never neither.
fn address(uri: Option<LitStr>, template: Option<LitStr>) -> syn::Result<Address> {
    match (uri, template) {
        (Some(uri), None) => Ok(Address::Uri(uri)),
        (None, Some(literal)) => {
            let variables = template_variables(&literal)?;
            Ok(Address::Template { literal, variables })
        }
        (Some(_), Some(t)) => Err(syn::Error::new(
            t.span(),
            "a resource has a fixed `uri` or a `template`, not both",
        )),
        (None, None) => Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[resource] needs `uri = \"scheme://…\"` (one resource) or `template = \
             \"scheme://…/{var}\"` (a URI template, RFC 6570)",
        )),
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
