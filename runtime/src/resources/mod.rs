//! Resources: documents and records a server exposes by URI (`#[resource(uri = …)]`) or URI
//! template (`#[resource(template = …)]`), collected at link time like tools, listed by
//! `resources/list` and `resources/templates/list`, read by `resources/read`.

mod contents;
mod def;
mod dynamic;
mod template;

pub use crate::resource_updates::ResourceUpdates;
#[doc(hidden)]
pub use contents::IntoResourceContents;
pub use contents::ResourceContents;
#[doc(hidden)]
pub use def::{take_var, ReadFuture, ReadOutcome};
pub use def::{Address, CacheHint, ResourceDef};
pub use dynamic::{DynamicReadOutcome, DynamicResource};
pub use template::UriTemplate;

use crate::completion::CompletionSource;
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
    /// Every resource and template, sorted by URI (or template as written).
    entries: Vec<Entry>,
    /// The fixed resources' positions in `entries`, by URI.
    fixed: HashMap<String, usize>,
    /// The fixed resources' and the templates' positions in `entries`, in order.
    fixed_order: Vec<usize>,
    templates: Vec<usize>,
    /// `resources/list` and `resources/templates/list` entries, in the same order.
    listed: Vec<Value>,
    templates_listed: Vec<Value>,
    /// Every `#[resource]` definition, by URI or template.
    defs: Vec<&'static ResourceDef>,
    /// Which are on, by URI or template (as written).
    switches: Arc<Switches>,
}

/// One resource or template as the server keeps it.
struct Entry {
    /// Its URI, or its template as written: what names it to its switch.
    key: String,
    /// Its template, parsed (none for a fixed resource).
    template: Option<UriTemplate>,
    /// The MIME type its contents have unless they say.
    mime_type: Option<String>,
    scopes: &'static [&'static str],
    reader: Reader,
}

/// Where a resource comes from, and so how it is read.
enum Reader {
    Def(&'static ResourceDef),
    Dynamic(DynamicResource),
}

impl Entry {
    fn of_def(def: &'static ResourceDef) -> Result<(Entry, Value), RegistryError> {
        let mut listed = json!({ "name": def.name });
        if let Some(t) = def.title {
            listed["title"] = json!(t);
        }
        let description = def.description.trim();
        if !description.is_empty() {
            listed["description"] = json!(description);
        }
        if let Some(m) = def.mime_type {
            listed["mimeType"] = json!(m);
        }
        let template = match def.address {
            Address::Uri(uri) => {
                listed["uri"] = json!(uri);
                None
            }
            Address::Template(t) => {
                listed["uriTemplate"] = json!(t);
                Some(UriTemplate::parse(t).map_err(|e| {
                    RegistryError::BadDefinition(format!(
                        "resource {} ({}): {e}",
                        def.rust_path, def.location
                    ))
                })?)
            }
        };
        let entry = Entry {
            key: def.address.key().to_owned(),
            template,
            mime_type: def.mime_type.map(str::to_owned),
            scopes: def.scopes,
            reader: Reader::Def(def),
        };
        Ok((entry, listed))
    }

    fn of_dynamic(resource: DynamicResource) -> Result<(Entry, Value), RegistryError> {
        let listed = resource.listing.clone();
        let bad = |why: &str| {
            RegistryError::BadDefinition(format!(
                "the resource listed as {listed} (defined at run time): {why}"
            ))
        };
        if !listed["name"].is_string() {
            return Err(bad("its listing has no `name`"));
        }
        let (key, template) = match (listed["uri"].as_str(), listed["uriTemplate"].as_str()) {
            (Some(uri), None) => (uri.to_owned(), None),
            (None, Some(t)) => {
                let parsed = UriTemplate::parse(t).map_err(|e| bad(&e.to_string()))?;
                (t.to_owned(), Some(parsed))
            }
            _ => {
                return Err(bad(
                    "its listing needs a `uri` or a `uriTemplate`, not both",
                ))
            }
        };
        let entry = Entry {
            key,
            template,
            mime_type: listed["mimeType"].as_str().map(str::to_owned),
            scopes: resource.scopes,
            reader: Reader::Dynamic(resource),
        };
        Ok((entry, listed))
    }

    /// Where it was defined, for start-up errors.
    fn origin(&self) -> String {
        match &self.reader {
            Reader::Def(def) => format!("{} ({})", def.rust_path, def.location),
            Reader::Dynamic(_) => format!("{} (defined at run time)", self.key),
        }
    }
}

/// A list entry and its `#[resource]` definition, if it has one.
pub(crate) type Described<'a> = (&'a Value, Option<&'static ResourceDef>);

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
        Self::from_parts(defs, [])
    }

    /// These `#[resource]` definitions and these defined at run time; an error names a URI (or
    /// template) defined twice, a template that does not parse, or a listing without a name.
    pub fn from_parts(
        defs: impl IntoIterator<Item = &'static ResourceDef>,
        dynamic: impl IntoIterator<Item = DynamicResource>,
    ) -> Result<Self, RegistryError> {
        let mut defs: Vec<&'static ResourceDef> = defs.into_iter().collect();
        defs.sort_by_key(|d| d.address.key());
        let mut entries = Vec::new();
        for &def in &defs {
            entries.push(Entry::of_def(def)?);
        }
        for resource in dynamic {
            entries.push(Entry::of_dynamic(resource)?);
        }
        entries.sort_by(|(a, _), (b, _)| a.key.cmp(&b.key));
        if let Some(pair) = entries.windows(2).find(|w| w[0].0.key == w[1].0.key) {
            let (first, second) = (&pair[0].0, &pair[1].0);
            let what = if first.template.is_some() {
                "resource templates are"
            } else {
                "resources have the URI"
            };
            return Err(RegistryError::BadDefinition(format!(
                "two {what} {:?}: {} and {}",
                first.key,
                first.origin(),
                second.origin()
            )));
        }
        let switches = Arc::new(Switches::new(entries.iter().map(|(e, _)| {
            let on = match &e.reader {
                Reader::Def(def) => !def.disabled,
                Reader::Dynamic(_) => true,
            };
            (e.key.as_str(), on)
        })));
        let mut resources = Resources {
            switches,
            updates: Default::default(),
            entries: Vec::with_capacity(entries.len()),
            fixed: HashMap::new(),
            fixed_order: Vec::new(),
            templates: Vec::new(),
            listed: Vec::new(),
            templates_listed: Vec::new(),
            defs,
        };
        for (at, (entry, listed)) in entries.into_iter().enumerate() {
            if entry.template.is_some() {
                resources.templates.push(at);
                resources.templates_listed.push(listed);
            } else {
                resources.fixed.insert(entry.key.clone(), at);
                resources.fixed_order.push(at);
                resources.listed.push(listed);
            }
            resources.entries.push(entry);
        }
        Ok(resources)
    }

    /// The fixed resources as listed, each with its `#[resource]` definition (none for those
    /// defined at run time).
    pub(crate) fn described(&self) -> impl Iterator<Item = Described<'_>> + '_ {
        self.listed
            .iter()
            .zip(self.fixed_order.iter().map(|at| self.def_at(*at)))
    }

    /// The templates as listed, each with its `#[resource]` definition.
    pub(crate) fn described_templates(&self) -> impl Iterator<Item = Described<'_>> + '_ {
        self.templates_listed
            .iter()
            .zip(self.templates.iter().map(|at| self.def_at(*at)))
    }

    fn def_at(&self, at: usize) -> Option<&'static ResourceDef> {
        match self.entries[at].reader {
            Reader::Def(def) => Some(def),
            Reader::Dynamic(_) => None,
        }
    }

    /// Every scope a resource or template needs, once per entry.
    pub(crate) fn scopes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().flat_map(|e| e.scopes.iter().copied())
    }

    /// Every resource and template definition, sorted by URI (or template).
    pub fn defs(&self) -> impl ExactSizeIterator<Item = &'static ResourceDef> + '_ {
        self.defs.iter().copied()
    }

    /// Whether there are no resources and no templates.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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

    /// Where the completions of variable `var` of the template written `template` come from:
    /// `None` when there is no such template (that is on) or variable.
    pub(crate) fn completer(&self, template: &str, var: &str) -> Option<CompletionSource> {
        let entry = self
            .templates
            .iter()
            .map(|at| &self.entries[*at])
            .find(|e| e.key == template)
            .filter(|_| self.switches.is_enabled(template))?;
        entry.template.as_ref()?.variables().find(|v| *v == var)?;
        Some(match &entry.reader {
            Reader::Def(def) => CompletionSource::Declared(
                def.completions
                    .iter()
                    .find(|(name, _)| *name == var)
                    .map(|(_, c)| *c),
            ),
            Reader::Dynamic(resource) => match &resource.completer {
                Some(completer) => CompletionSource::Dynamic(completer.clone()),
                None => CompletionSource::Declared(None),
            },
        })
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

    /// The entry serving `uri` now, with the template's variables: the fixed resource with that
    /// URI, else the first template (by template text) that expands to it; those that are off
    /// are skipped.
    fn find(&self, uri: &str) -> Option<(&Entry, Vec<(String, String)>)> {
        let on = |entry: &Entry| self.switches.is_enabled(&entry.key);
        if let Some(entry) = self
            .fixed
            .get(uri)
            .map(|at| &self.entries[*at])
            .filter(|e| on(e))
        {
            return Some((entry, Vec::new()));
        }
        self.templates
            .iter()
            .map(|at| &self.entries[*at])
            .filter(|e| on(e))
            .find_map(|e| Some((e, e.template.as_ref()?.matches(uri)?)))
    }

    /// The scopes reading `uri` needs (none for a URI nothing serves).
    pub(crate) fn scopes_for(&self, uri: &str) -> &'static [&'static str] {
        self.find(uri).map_or(&[], |(entry, _)| entry.scopes)
    }

    /// The scopes the entry listed under `key` (its URI, or its template as written) needs.
    pub(crate) fn scopes_of_entry(&self, key: &str) -> &'static [&'static str] {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map_or(&[], |e| e.scopes)
    }

    /// Whether any template has variables (so completion means something).
    pub fn has_templates(&self) -> bool {
        !self.templates.is_empty()
    }

    /// Reads `uri`: the fixed resource with that URI, else the first template (by template
    /// text) it expands. The contents as `resources/read` sends them, and the resource's cache
    /// hint.
    pub async fn read(&self, uri: &str, ctx: Context) -> Result<Read, ReadError> {
        let (entry, vars) = self.find(uri).ok_or(ReadError::NotFound)?;
        // As for tools: the resilience attributes see the client, and a panic is an error.
        let client = ctx.client_arc();
        let (contents, cache) = match &entry.reader {
            Reader::Def(def) => {
                let ran = run_as_call(client, (def.read)(ctx, vars)).await;
                let contents = ran.outcome.map_err(ReadError::Failed)?;
                let mut cache = def.cache;
                // A cache kept this answer per caller: it is this caller's own, whatever the
                // hint says.
                cache.public &= !ran.per_caller;
                (contents, cache)
            }
            Reader::Dynamic(resource) => {
                let read = (resource.read)(ctx, uri.to_owned());
                // Not found is an answer, not a failure: kept apart from the panics caught.
                let ran = run_as_call(client, async {
                    match read.await {
                        Err(ReadError::Failed(e)) => Err(e),
                        answered => Ok(answered),
                    }
                })
                .await;
                let contents = ran.outcome.map_err(ReadError::Failed)??;
                // Nothing says how long another server's contents stay true.
                (contents, CacheHint::default())
            }
        };
        Ok(Read {
            contents: contents
                .iter()
                .map(|c| c.to_json(uri, entry.mime_type.as_deref()))
                .collect(),
            cache,
        })
    }
}
