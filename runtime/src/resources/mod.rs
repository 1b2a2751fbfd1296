//! Resources: documents and records a server exposes by URI (`#[resource(uri = …)]`) or URI
//! template (`#[resource(template = …)]`), collected at link time like tools, listed by
//! `resources/list` and `resources/templates/list`, read by `resources/read`.

mod contents;
mod def;
mod template;

pub use crate::resource_updates::ResourceUpdates;
#[doc(hidden)]
pub use contents::IntoResourceContents;
pub use contents::ResourceContents;
#[doc(hidden)]
pub use def::{take_var, ReadFuture, ReadOutcome};
pub use def::{Address, CacheHint, ResourceDef};
pub use template::UriTemplate;

use crate::completion::Completer;
use crate::context::Context;
use crate::error::ToolError;
use crate::registry::RegistryError;
use crate::resilience::run_as_call;
use crate::switches::Switches;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Every resource and resource template of this binary.
///
/// ```
/// let resources = sturdy_runtime::resources::Resources::from_defs([]).unwrap();
/// assert!(resources.is_empty());
/// ```
pub struct Resources {
    /// Updates announced, for the clients subscribed to them.
    updates: Arc<ResourceUpdates>,
    fixed: HashMap<&'static str, &'static ResourceDef>,
    templates: Vec<(UriTemplate, &'static ResourceDef)>,
    /// `resources/list` and `resources/templates/list` entries, sorted by URI.
    listed: Vec<Value>,
    templates_listed: Vec<Value>,
    /// Every definition, by URI or template.
    defs: Vec<&'static ResourceDef>,
    /// Which are on, by URI or template (as written).
    switches: Arc<Switches>,
}

/// What reading a resource gave.
#[derive(Debug)]
pub struct Read {
    /// `contents`, as `resources/read` sends them.
    pub contents: Vec<Value>,
    /// How long, and for whom, the client may keep them.
    pub cache: CacheHint,
}

/// Why a resource could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// No resource has this URI, and no template matches it.
    NotFound,
    /// The resource function failed (or panicked).
    Failed(ToolError),
}

impl Resources {
    /// Every `#[resource]` linked into this binary.
    pub fn from_inventory() -> Result<Self, RegistryError> {
        Self::from_defs(inventory::iter::<ResourceDef>)
    }

    /// These definitions; an error names a URI defined twice or a template that does not parse.
    pub fn from_defs(
        defs: impl IntoIterator<Item = &'static ResourceDef>,
    ) -> Result<Self, RegistryError> {
        let mut defs: Vec<&'static ResourceDef> = defs.into_iter().collect();
        defs.sort_by_key(|d| match d.address {
            Address::Uri(u) | Address::Template(u) => u,
        });
        let mut fixed = HashMap::new();
        let mut templates: Vec<(UriTemplate, &'static ResourceDef)> = Vec::new();
        let (mut listed, mut templates_listed) = (Vec::new(), Vec::new());
        for &def in &defs {
            let mut entry = json!({ "name": def.name });
            if let Some(t) = def.title {
                entry["title"] = json!(t);
            }
            let description = def.description.trim();
            if !description.is_empty() {
                entry["description"] = json!(description);
            }
            if let Some(m) = def.mime_type {
                entry["mimeType"] = json!(m);
            }
            match def.address {
                Address::Uri(uri) => {
                    if let Some(first) = fixed.insert(uri, def) {
                        return Err(RegistryError::BadDefinition(format!(
                            "two resources have the URI {uri:?}: {} ({}) and {} ({})",
                            first.rust_path, first.location, def.rust_path, def.location
                        )));
                    }
                    entry["uri"] = json!(uri);
                    listed.push(entry);
                }
                Address::Template(t) => {
                    let parsed = UriTemplate::parse(t).map_err(|e| {
                        RegistryError::BadDefinition(format!(
                            "resource {} ({}): {e}",
                            def.rust_path, def.location
                        ))
                    })?;
                    let twice = templates
                        .iter()
                        .any(|(_, d)| matches!(d.address, Address::Template(o) if o == t));
                    if twice {
                        return Err(RegistryError::BadDefinition(format!(
                            "two resource templates are {t:?}"
                        )));
                    }
                    templates.push((parsed, def));
                    entry["uriTemplate"] = json!(t);
                    templates_listed.push(entry);
                }
            }
        }
        let switches = Arc::new(Switches::new(
            defs.iter().map(|d| (d.address.key(), !d.disabled)),
        ));
        Ok(Resources {
            switches,
            updates: Default::default(),
            fixed,
            templates,
            listed,
            templates_listed,
            defs,
        })
    }

    /// Every resource and template definition, sorted by URI (or template).
    pub fn defs(&self) -> impl ExactSizeIterator<Item = &'static ResourceDef> + '_ {
        self.defs.iter().copied()
    }

    /// Whether there are no resources and no templates.
    pub fn is_empty(&self) -> bool {
        self.fixed.is_empty() && self.templates.is_empty()
    }

    /// The fixed resources, as `resources/list` lists them, whether on or off.
    pub fn listed(&self) -> &[Value] {
        &self.listed
    }

    /// The templates, as `resources/templates/list` lists them, whether on or off.
    pub fn templates_listed(&self) -> &[Value] {
        &self.templates_listed
    }

    /// The fixed resources that are on, as `resources/list` shows them now.
    pub fn enabled_listed(&self) -> Vec<Value> {
        self.only_enabled(&self.listed, "uri")
    }

    /// The templates that are on, as `resources/templates/list` shows them now.
    pub fn enabled_templates_listed(&self) -> Vec<Value> {
        self.only_enabled(&self.templates_listed, "uriTemplate")
    }

    fn only_enabled(&self, entries: &[Value], key: &str) -> Vec<Value> {
        entries
            .iter()
            .filter(|e| e[key].as_str().is_some_and(|k| self.switches.is_enabled(k)))
            .cloned()
            .collect()
    }

    /// The switches that turn resources and templates on and off at run time (by URI, or by
    /// template as written), and announce that the resource list changed. A resource that is off
    /// is left out of the lists and read as not found.
    pub fn switches(&self) -> &Arc<Switches> {
        &self.switches
    }

    /// The completions of variable `var` of the template written `template`: `None` when there
    /// is no such template or variable, `Some(None)` when it declares none.
    pub fn completer(&self, template: &str, var: &str) -> Option<Option<Completer>> {
        let (parsed, def) = self
            .templates
            .iter()
            .find(|(_, d)| matches!(d.address, Address::Template(t) if t == template))
            .filter(|_| self.switches.is_enabled(template))?;
        parsed.variables().find(|v| *v == var)?;
        Some(
            def.completions
                .iter()
                .find(|(name, _)| *name == var)
                .map(|(_, c)| *c),
        )
    }

    /// Announces that the resource at `uri` changed: clients subscribed to it (2025
    /// `resources/subscribe`, 2026-07-28 `resourceSubscriptions` on a listen stream) get
    /// `notifications/resources/updated` and read it again.
    pub fn announce_updated(&self, uri: &str) {
        self.updates.announce(uri);
    }

    /// Where updates are announced (also reachable from a tool: `Context::resource_updated`).
    pub fn updates(&self) -> &Arc<ResourceUpdates> {
        &self.updates
    }

    /// Whether `uri` is a resource that is on: a fixed URI, or one a template expands to.
    pub fn resolves(&self, uri: &str) -> bool {
        self.find(uri).is_some()
    }

    /// The definition serving `uri` now, with the template's variables: the fixed resource with
    /// that URI, else the first template (by template text) that expands to it; those that are
    /// off are skipped.
    fn find(&self, uri: &str) -> Option<(&'static ResourceDef, Vec<(String, String)>)> {
        let on = |def: &ResourceDef| self.switches.is_enabled(def.address.key());
        if let Some(def) = self.fixed.get(uri).filter(|d| on(d)) {
            return Some((*def, Vec::new()));
        }
        self.templates
            .iter()
            .filter(|(_, def)| on(def))
            .find_map(|(t, def)| Some((*def, t.matches(uri)?)))
    }

    /// The scopes reading `uri` needs (none for a URI nothing serves).
    pub(crate) fn scopes_for(&self, uri: &str) -> &'static [&'static str] {
        self.find(uri).map_or(&[], |(def, _)| def.scopes)
    }

    /// The scopes the entry listed under `key` (its URI, or its template as written) needs.
    pub(crate) fn scopes_of_entry(&self, key: &str) -> &'static [&'static str] {
        self.defs
            .iter()
            .find(|d| d.address.key() == key)
            .map_or(&[], |d| d.scopes)
    }

    /// Whether any template has variables (so completion means something).
    pub fn has_templates(&self) -> bool {
        !self.templates.is_empty()
    }

    /// Reads `uri`: the fixed resource with that URI, else the first template (by template
    /// text) it expands. The contents as `resources/read` sends them, and the resource's cache
    /// hint.
    pub async fn read(&self, uri: &str, ctx: Context) -> Result<Read, ReadError> {
        let (def, vars) = self.find(uri).ok_or(ReadError::NotFound)?;
        // As for tools: the resilience attributes see the client, and a panic is an error.
        let ran = run_as_call(ctx.client_arc(), (def.read)(ctx, vars)).await;
        let contents = ran.outcome.map_err(ReadError::Failed)?;
        let mut cache = def.cache;
        // A cache kept this answer per caller: it is this caller's own, whatever the hint says.
        cache.public &= !ran.per_caller;
        Ok(Read {
            contents: contents
                .iter()
                .map(|c| c.to_json(uri, def.mime_type))
                .collect(),
            cache,
        })
    }
}
