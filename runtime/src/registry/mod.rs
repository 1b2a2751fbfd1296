//! The tool registry: every `#[tool]` linked into the binary, collected once at start-up.

mod call_result;
mod dynamic;
mod entry;
mod error;
mod header_params;
mod info;
mod stats;

pub use call_result::{CallResult, CACHE_META_KEY, ERROR_META_KEY};
pub use dynamic::DynamicTool;
pub use error::RegistryError;
#[doc(hidden)]
pub use header_params::HeaderParam;
pub use info::{ToolInfo, POLICIES_META_KEY};

pub(crate) use stats::{ToolMetrics, BUCKETS, KINDS};

// What `#[tool]` submits lives a layer below (`tool`), so that schemas can read it too.
#[doc(hidden)]
pub use crate::output::CallOutcome;
pub use crate::switches::{ListChanged, Switches, ToolSwitches, ToolsChanged};
pub use crate::tool::{Annotations, ParamDef, TaskSupport, ToolDef};
#[doc(hidden)]
pub use crate::tool::{Args, CallFuture, SchemaEdit};

use crate::context::Context;
use crate::error::ToolError;
use crate::output::ToolOutput;
use crate::resilience::{CallInfo, CALL};
use crate::schema;
use entry::{dynamic_arguments, object_arguments, Entry, Given, Source};
use futures_util::future::{Either, FutureExt};
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// One tool of a [`Registry`], looked up once by name and handed on with the call.
#[derive(Clone, Copy)]
pub(crate) struct Tool<'r> {
    registry: &'r Registry,
    index: usize,
}

impl<'r> Tool<'r> {
    /// What a caller's token must grant to call it.
    pub(crate) fn scopes(self) -> &'static [&'static str] {
        self.registry.entries[self.index].scopes()
    }

    /// Its name, as its definition holds it (what a recorded duration names): `#[tool]`s only.
    #[cfg(feature = "otel")]
    pub(crate) fn name(self) -> Option<&'static str> {
        match self.registry.entries[self.index].source {
            Source::Def(def) => Some(def.name),
            Source::Dynamic { .. } => None,
        }
    }

    /// Whether its task begins when the call says so ([`ToolDef::task_deferred`]).
    pub(crate) fn task_deferred(self) -> bool {
        self.registry.entries[self.index]
            .def()
            .is_some_and(|d| d.task_deferred)
    }

    /// Whether its calls may run as tasks ([`ToolDef::task`]).
    pub(crate) fn task_support(self) -> crate::tool::TaskSupport {
        self.registry.entries[self.index].task()
    }

    /// Whether it takes a `Context` ([`ToolDef::takes_context`]).
    pub(crate) fn takes_context(self) -> bool {
        self.registry.entries[self.index]
            .def()
            .is_none_or(|d| d.takes_context)
    }

    /// [`Registry::call_raw`] of this tool. Its arguments are taken before this returns: the
    /// future is the tool's, and borrows nothing of the request.
    pub(crate) fn call_raw(
        self,
        arguments: Option<&RawValue>,
        ctx: Context,
    ) -> impl Future<Output = Result<CallResult, RegistryError>> + Send + 'r {
        let registry = self.registry;
        let entry = &registry.entries[self.index];
        if !registry.switches.is_enabled_at(self.index) {
            let off = RegistryError::UnknownTool(entry.info.name.clone());
            return Either::Right(std::future::ready(Err(off)));
        }
        let args = match entry.source {
            Source::Def(_) => {
                Args::from_raw(&entry.param_names, &entry.defaults, arguments).map(Given::Args)
            }
            Source::Dynamic { .. } => dynamic_arguments(arguments).map(Given::Json),
        };
        Either::Left(registry.run(entry, args, ctx).map(Ok))
    }
}

/// All tools of this binary, by name. Built once; calls look tools up by name.
///
/// ```no_run
/// let registry = sturdy_runtime::Registry::from_inventory().expect("tool names are unique");
/// for tool in registry.tools() {
///     println!("{}: {}", tool.name, tool.description);
/// }
/// ```
pub struct Registry {
    entries: Vec<Entry>,
    /// Looked up on every call: foldhash rather than SipHash (the names are the program's own).
    by_name: HashMap<String, usize, foldhash::fast::RandomState>,
    /// Which tools are on (shared with every call's `Context`).
    switches: Arc<ToolSwitches>,
}

impl Registry {
    /// Whether any tool's calls may run as tasks (the server then offers the extension).
    pub(crate) fn has_tasks(&self) -> bool {
        self.entries
            .iter()
            .any(|e| e.task() != crate::tool::TaskSupport::Forbidden)
    }

    /// Collects every `#[tool]` linked into this binary, sorted by name.
    pub fn from_inventory() -> Result<Self, RegistryError> {
        Self::from_defs(inventory::iter::<ToolDef>)
    }

    /// Every `#[tool]` linked into this binary plus `extra`: definitions the program adds itself,
    /// such as opt-in tools written `#[tool(def = NAME)]`.
    ///
    /// ```
    /// # // Through the facade: `use sturdy::prelude::*;` and `#[tool(def = FLUSH, destructive)]`.
    /// use sturdy_macros::tool;
    /// use sturdy_runtime::Registry;
    ///
    /// /// Drop every cached result.
    /// #[tool(def = FLUSH, destructive, crate = sturdy_runtime)]
    /// async fn flush() -> String {
    ///     "flushed".into()
    /// }
    ///
    /// let plain = Registry::from_inventory().unwrap();
    /// assert!(plain.get("flush").is_none());
    /// let admin = Registry::from_inventory_and([&FLUSH]).unwrap();
    /// assert!(admin.get("flush").is_some());
    /// ```
    pub fn from_inventory_and(
        extra: impl IntoIterator<Item = &'static ToolDef>,
    ) -> Result<Self, RegistryError> {
        Self::from_defs(inventory::iter::<ToolDef>.into_iter().chain(extra))
    }

    /// Builds a registry from an explicit list of tool definitions.
    pub fn from_defs(
        defs: impl IntoIterator<Item = &'static ToolDef>,
    ) -> Result<Self, RegistryError> {
        Self::from_parts(defs, [])
    }

    /// Builds a registry from tool definitions and tools defined at run time.
    pub fn from_parts(
        defs: impl IntoIterator<Item = &'static ToolDef>,
        dynamic: impl IntoIterator<Item = DynamicTool>,
    ) -> Result<Self, RegistryError> {
        let mut defs: Vec<&'static ToolDef> = defs.into_iter().collect();
        defs.sort_by(|a, b| a.name.cmp(b.name).then(a.rust_path.cmp(b.rust_path)));
        let mut entries = Vec::with_capacity(defs.len());
        for def in defs {
            entries.push(Entry::of_def(def)?);
        }
        for tool in dynamic {
            entries.push(Entry::of_dynamic(tool)?);
        }
        entries.sort_by(|a, b| a.info.name.cmp(&b.info.name));
        let mut by_name = HashMap::with_capacity_and_hasher(
            entries.len(),
            foldhash::fast::RandomState::default(),
        );
        for (i, entry) in entries.iter().enumerate() {
            if let Some(previous) = by_name.insert(entry.info.name.clone(), i) {
                return Err(RegistryError::DuplicateName {
                    name: entry.info.name.clone(),
                    first: entries[previous].origin(),
                    second: entry.origin(),
                });
            }
        }
        // In the entries' order: an entry's switch is at its own index.
        let switches = Arc::new(ToolSwitches::new(entries.iter().map(|e| {
            let on = e.def().is_none_or(|d| !d.disabled);
            (e.info.name.as_str(), on)
        })));
        debug_assert!(entries
            .iter()
            .enumerate()
            .all(|(i, e)| switches.position(&e.info.name) == Some(i)));
        Ok(Registry {
            entries,
            by_name,
            switches,
        })
    }

    /// The tools, sorted by name, whether on or off.
    pub fn tools(&self) -> impl ExactSizeIterator<Item = &ToolInfo> {
        self.entries.iter().map(|e| &e.info)
    }

    /// Every `#[tool]` definition (on or off), sorted by name; tools defined at run time are
    /// not among them.
    pub fn defs(&self) -> impl Iterator<Item = &'static ToolDef> + '_ {
        self.entries.iter().filter_map(Entry::def)
    }

    /// The tools that are on (what `tools/list` shows), sorted by name.
    pub fn enabled_tools(&self) -> impl Iterator<Item = &ToolInfo> {
        self.tools().filter(|t| self.switches.is_enabled(&t.name))
    }

    /// The tools that are on with the scopes each needs, sorted by name.
    pub(crate) fn enabled_tools_with_scopes(
        &self,
    ) -> impl Iterator<Item = (&ToolInfo, &'static [&'static str])> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(i, _)| self.switches.is_enabled_at(*i))
            .map(|(_, e)| (&e.info, e.scopes()))
    }

    /// Every scope some tool needs (repeated when several need it).
    pub(crate) fn scopes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().flat_map(|e| e.scopes().iter().copied())
    }

    /// The switches that turn tools on and off at run time, and announce list changes.
    pub fn switches(&self) -> &Arc<ToolSwitches> {
        &self.switches
    }

    /// Each tool's counters, for [`crate::metrics::render`].
    pub(crate) fn metrics(&self) -> impl Iterator<Item = (&str, &ToolMetrics)> {
        self.entries
            .iter()
            .map(|e| (e.info.name.as_str(), &e.metrics))
    }

    /// The parameters of tool `name` that 2026-07-28 clients mirror in HTTP headers (empty for an
    /// unknown tool).
    pub fn header_params(&self, name: &str) -> &[HeaderParam] {
        self.by_name
            .get(name)
            .map_or(&[], |&i| &self.entries[i].header_params)
    }

    /// Tool `name` (on or off), to hand on with its call.
    pub(crate) fn tool(&self, name: &str) -> Option<Tool<'_>> {
        let index = *self.by_name.get(name)?;
        Some(Tool {
            registry: self,
            index,
        })
    }

    /// One tool by name.
    pub fn get(&self, name: &str) -> Option<&ToolInfo> {
        self.by_name.get(name).map(|&i| &self.entries[i].info)
    }

    /// Calls a tool by name with JSON arguments (an object, or `null` for none).
    ///
    /// Tool failures, bad arguments and panics are `Ok` results with `is_error`; only an unknown
    /// name is an `Err`.
    pub async fn call(
        &self,
        name: &str,
        arguments: Value,
        ctx: Context,
    ) -> Result<CallResult, RegistryError> {
        let entry = self.enabled_entry(name)?;
        let args = match entry.source {
            Source::Def(_) => {
                Args::from_value(&entry.param_names, &entry.defaults, arguments).map(Given::Args)
            }
            Source::Dynamic { .. } => object_arguments(arguments).map(Given::Json),
        };
        Ok(self.run(entry, args, ctx).await)
    }

    /// [`call`](Self::call) with the arguments as JSON text, as they arrive in a request (an
    /// object, `null` or `None` for none): each argument is deserialised straight from the text
    /// into its parameter's type, with no `Value` built in between.
    pub async fn call_raw(
        &self,
        name: &str,
        arguments: Option<&RawValue>,
        ctx: Context,
    ) -> Result<CallResult, RegistryError> {
        match self.tool(name) {
            Some(tool) => tool.call_raw(arguments, ctx).await,
            None => Err(RegistryError::UnknownTool(name.to_owned())),
        }
    }

    fn enabled_entry(&self, name: &str) -> Result<&Entry, RegistryError> {
        self.by_name
            .get(name)
            .filter(|_| self.switches.is_enabled(name))
            .map(|&i| &self.entries[i])
            .ok_or_else(|| RegistryError::UnknownTool(name.to_owned()))
    }

    /// Runs one call of `entry` with its arguments (or the reason they were refused): counted,
    /// logged, a panic caught, the outcome in `CallResult` form.
    ///
    /// Not an `async fn`: the tool's future is built here, its arguments taken out of `args`
    /// (so that the future returned borrows nothing of the request, and a parameter whose
    /// `Deserialize` panics is caught as a panicking tool is); what is left is only the call.
    fn run<'a>(
        &'a self,
        entry: &'a Entry,
        args: Result<Given<'_>, ToolError>,
        ctx: Context,
    ) -> impl Future<Output = CallResult> + Send + 'a {
        let ctx = ctx.with_switches(self.switches.clone());
        let client = ctx.client_arc();
        let info = Arc::new(CallInfo::new(client.clone()));
        // quanta's clock: `Instant` costs tens of ns per read on VMs, and every call reads it twice.
        let started = quanta::Instant::now();
        let call = args.and_then(|args| {
            std::panic::catch_unwind(AssertUnwindSafe(|| match (&entry.source, args) {
                (Source::Def(def), Given::Args(args)) => (def.call)(ctx, args),
                (Source::Dynamic { call, .. }, Given::Json(arguments)) => call.call(ctx, arguments),
                _ => unreachable!("arguments are read as their tool's source takes them"),
            }))
            .map_err(|panic| ToolError::from_panic(&*panic))
        });
        let scoped = CALL.scope(info, async move {
            let outcome = match call {
                // The tool may panic while polled; catch it here so that one bad tool never
                // takes the connection (or the server) down.
                Ok(call) => AssertUnwindSafe(call)
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|panic| Err(ToolError::from_panic(&*panic))),
                Err(e) => Err(e),
            };
            let hit = CALL.with(|c| c.cache_hit.load(Ordering::Relaxed));
            (outcome, hit)
        });
        scoped.map(move |(outcome, hit)| {
            let elapsed = quanta::Instant::now() - started;
            entry.metrics.record(elapsed, outcome.as_ref().err());
            log_call(&entry.info.name, &client, elapsed, &outcome);
            CallResult::of_outcome(outcome, entry.wrap_output, hit)
        })
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.tools().map(|t| &t.name))
            .finish()
    }
}

/// One event per call (target `sturdy::call`): debug for successes and tool errors, error for a
/// panic, so that a crashing tool shows in the server's log by default.
fn log_call(
    tool: &str,
    client: &str,
    elapsed: std::time::Duration,
    outcome: &Result<ToolOutput, ToolError>,
) {
    let ms = elapsed.as_secs_f64() * 1000.0;
    match outcome {
        Ok(_) => tracing::debug!(target: "sturdy::call", tool, client, ms, "tool call ok"),
        Err(ToolError::Panicked(message)) => {
            tracing::error!(target: "sturdy::call", tool, client, ms, "tool panicked: {message}")
        }
        Err(e) => tracing::debug!(
            target: "sturdy::call", tool, client, ms, error = e.kind(), "tool call failed: {e}"
        ),
    }
}
