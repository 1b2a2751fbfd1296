//! The tool registry: every `#[tool]` linked into the binary, collected once at start-up.

mod stats;

pub(crate) use stats::{ToolMetrics, KINDS};

// What `#[tool]` submits lives a layer below (`tool`), so that schemas can read it too.
pub use crate::output::CallOutcome;
pub use crate::tool::{Annotations, Args, CallFuture, ParamDef, ToolDef};

use crate::content::Content;
use crate::context::Context;
use crate::error::ToolError;
use crate::output::ToolOutput;
use crate::resilience::{CallInfo, CALL};
use crate::schema;
use futures_util::FutureExt;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Everything a client (or a person running `--list-tools`) learns about a tool.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolInfo {
    /// The tool's name (unique in the registry).
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// A human-readable title.
    pub title: Option<String>,
    /// What the tool does, for the model.
    pub description: String,
    /// The JSON Schema of its arguments.
    pub input_schema: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The JSON Schema of its structured result, if it has one.
    pub output_schema: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Its annotations (`readOnlyHint`, …), if any.
    pub annotations: Option<Value>,
    /// The resilience policies of the function, in pipeline order (also sent to clients under
    /// `_meta["dev.sturdy/policies"]`).
    #[serde(
        rename = "_meta",
        serialize_with = "policies_meta",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub policies: Vec<Value>,
}

/// The outcome of [`Registry::call`], in MCP `CallToolResult` form.
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    /// The text content (JSON text for structured results, the message for errors).
    pub text: Option<String>,
    /// Content blocks of tools that return [`Content`] / `Vec<Content>`, sent after `text`.
    pub content: Vec<Content>,
    /// `structuredContent`: successes of tools with an `outputSchema` only, so that it always
    /// validates against that schema (clients check error results too).
    pub structured: Option<Value>,
    /// Whether the call failed (MCP `isError`).
    pub is_error: bool,
    /// Why the call failed, sent as `_meta["dev.sturdy/error"]` (see [`ToolError::to_json`]).
    pub error: Option<ToolError>,
    /// The value came from a `#[cached]` cache rather than a run of the function.
    pub cache_hit: bool,
}

impl CallResult {
    /// The MCP `CallToolResult` object.
    pub fn into_json(self) -> Value {
        let mut content = Vec::with_capacity(usize::from(self.text.is_some()) + self.content.len());
        if let Some(t) = self.text {
            content.push(json!({ "type": "text", "text": t }));
        }
        content.extend(self.content.into_iter().map(Content::into_json));
        let mut v = Map::with_capacity(3);
        v.insert("content".into(), Value::Array(content));
        if let Some(s) = self.structured {
            v.insert("structuredContent".into(), s);
        }
        if self.is_error {
            v.insert("isError".into(), Value::Bool(true));
        }
        let mut meta = Map::new();
        if self.cache_hit {
            meta.insert(CACHE_META_KEY.into(), Value::from("hit"));
        }
        if let Some(e) = &self.error {
            meta.insert(ERROR_META_KEY.into(), e.to_json());
        }
        if !meta.is_empty() {
            v.insert("_meta".into(), Value::Object(meta));
        }
        Value::Object(v)
    }

    /// The result of a call that failed with `e`.
    pub fn failed(e: &ToolError) -> Self {
        Self::error(e)
    }

    /// The readable text goes to the model; the structured fields go under `_meta`, never into
    /// `structuredContent`: clients (the official TypeScript SDK) validate `structuredContent`
    /// against the tool's `outputSchema` even when `isError` is set, and an error object never
    /// matches the schema of the tool's successes.
    fn error(e: &ToolError) -> Self {
        CallResult {
            text: Some(e.to_string()),
            content: Vec::new(),
            structured: None,
            is_error: true,
            error: Some(e.clone()),
            cache_hit: false,
        }
    }
}

/// Why the registry could not be built, or a call could not be routed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two functions registered the same tool name.
    DuplicateName {
        /// The name both tools have.
        name: String,
        /// The first function (path and location).
        first: String,
        /// The second function.
        second: String,
    },
    /// No tool has this name.
    UnknownTool(String),
    /// A parameter's `#[arg(default = …)]` does not deserialise into its type.
    BadDefault {
        /// The tool.
        tool: String,
        /// The parameter.
        param: String,
        /// Why the default does not fit.
        message: String,
    },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::DuplicateName {
                name,
                first,
                second,
            } => write!(
                f,
                "two tools are named `{name}`: {first} and {second}; rename one with #[tool(name = \"…\")]"
            ),
            RegistryError::UnknownTool(name) => write!(f, "Unknown tool: {name}"),
            RegistryError::BadDefault {
                tool,
                param,
                message,
            } => write!(f, "tool `{tool}`, parameter `{param}`: {message}"),
        }
    }
}

impl std::error::Error for RegistryError {}

/// `_meta` key listing a tool's resilience policies in `tools/list`.
pub const POLICIES_META_KEY: &str = "dev.sturdy/policies";

fn policies_meta<S: serde::Serializer>(policies: &[Value], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(1))?;
    m.serialize_entry(POLICIES_META_KEY, policies)?;
    m.end()
}

/// `_meta` key of a tool result served from a `#[cached]` cache (value `"hit"`).
pub const CACHE_META_KEY: &str = "dev.sturdy/cache";

/// `_meta` key of an error result's structured fields (`{"error": <kind>, "message": …,
/// "retry_after": …}`, see [`ToolError::to_json`]).
pub const ERROR_META_KEY: &str = "dev.sturdy/error";

struct Entry {
    def: &'static ToolDef,
    info: ToolInfo,
    /// Non-object results are sent as `{"result": value}` because MCP requires
    /// `structuredContent` and `outputSchema` to be objects.
    wrap_output: bool,
    /// Parameter defaults, checked once at start-up: `(name, value)`.
    defaults: Vec<(&'static str, Value)>,
    metrics: ToolMetrics,
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
    by_name: HashMap<&'static str, usize>,
}

impl Registry {
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
        let mut defs: Vec<&'static ToolDef> = defs.into_iter().collect();
        defs.sort_by(|a, b| a.name.cmp(b.name).then(a.rust_path.cmp(b.rust_path)));
        let mut by_name = HashMap::with_capacity(defs.len());
        let mut entries = Vec::with_capacity(defs.len());
        for def in defs {
            if let Some(&i) = by_name.get(def.name) {
                let first: &Entry = &entries[i];
                return Err(RegistryError::DuplicateName {
                    name: def.name.to_owned(),
                    first: format!("{} ({})", first.def.rust_path, first.def.location),
                    second: format!("{} ({})", def.rust_path, def.location),
                });
            }
            by_name.insert(def.name, entries.len());
            let mut defaults = Vec::new();
            for p in def.params {
                if let Some(default) = p.default {
                    let value = default().map_err(|message| RegistryError::BadDefault {
                        tool: def.name.to_owned(),
                        param: p.name.to_owned(),
                        message,
                    })?;
                    defaults.push((p.name, value));
                }
            }
            let (mut output_schema, wrap_output) = match schema::output_schema(def.output_schema) {
                Some((s, wrap)) => (Some(s), wrap),
                None => (None, false),
            };
            let mut input_schema = schema::input_schema(def.params, &defaults);
            if def.schema_dialect {
                schema::declare_dialect(&mut input_schema);
                if let Some(s) = &mut output_schema {
                    schema::declare_dialect(s);
                }
            }
            entries.push(Entry {
                def,
                info: ToolInfo {
                    name: def.name.to_owned(),
                    title: def.title.map(str::to_owned),
                    description: def.description.trim().to_owned(),
                    input_schema,
                    output_schema,
                    annotations: def.annotations.to_json(),
                    policies: crate::resilience::macro_support::policies_of(def.rust_path),
                },
                wrap_output,
                defaults,
                metrics: Default::default(),
            });
        }
        Ok(Registry { entries, by_name })
    }

    /// The tools, sorted by name.
    pub fn tools(&self) -> impl ExactSizeIterator<Item = &ToolInfo> {
        self.entries.iter().map(|e| &e.info)
    }

    /// Each tool's counters, for [`crate::metrics::render`].
    pub(crate) fn metrics(&self) -> impl Iterator<Item = (&str, &ToolMetrics)> {
        self.entries.iter().map(|e| (e.def.name, &e.metrics))
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
        let &i = self
            .by_name
            .get(name)
            .ok_or_else(|| RegistryError::UnknownTool(name.to_owned()))?;
        let entry = &self.entries[i];
        let started = std::time::Instant::now();
        let client = ctx.client_arc();
        let info = Arc::new(CallInfo {
            client: client.clone(),
            cache_hit: AtomicBool::new(false),
        });
        let (outcome, info) = CALL
            .scope(info, async {
                let outcome = match prepare_args(entry.def.params, &entry.defaults, arguments) {
                    // The tool may panic while polled; catch it here so that one bad tool never
                    // takes the connection (or the server) down.
                    Ok(args) => AssertUnwindSafe((entry.def.call)(ctx, args))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|panic| Err(ToolError::Panicked(panic_message(&*panic)))),
                    Err(e) => Err(e),
                };
                let hit = CALL.with(|c| c.cache_hit.load(Ordering::Relaxed));
                (outcome, hit)
            })
            .await;
        let elapsed = started.elapsed();
        entry.metrics.record(elapsed, outcome.as_ref().err());
        log_call(name, &client, elapsed, &outcome);
        let mut result = match outcome {
            Ok(ToolOutput::Text(text)) => CallResult {
                text: Some(text),
                content: Vec::new(),
                structured: None,
                is_error: false,
                error: None,
                cache_hit: false,
            },
            Ok(ToolOutput::Empty) => CallResult {
                text: None,
                content: Vec::new(),
                structured: None,
                is_error: false,
                error: None,
                cache_hit: false,
            },
            Ok(ToolOutput::Content(blocks)) => CallResult {
                text: None,
                content: blocks,
                structured: None,
                is_error: false,
                error: None,
                cache_hit: false,
            },
            Ok(ToolOutput::Structured(value)) => {
                let value = if entry.wrap_output {
                    json!({ "result": value })
                } else {
                    value
                };
                CallResult {
                    text: Some(value.to_string()),
                    content: Vec::new(),
                    structured: Some(value),
                    is_error: false,
                    error: None,
                    cache_hit: false,
                }
            }
            Err(e) => CallResult::error(&e),
        };
        result.cache_hit = info && !result.is_error;
        Ok(result)
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.tools().map(|t| &t.name))
            .finish()
    }
}

/// Checks the argument names against the parameters and fills in defaults.
fn prepare_args(
    params: &[ParamDef],
    defaults: &[(&'static str, Value)],
    arguments: Value,
) -> Result<Args, ToolError> {
    let mut map = match arguments {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        other => {
            return Err(ToolError::invalid_arguments(format!(
                "arguments must be an object, got {}",
                json_kind(&other)
            )))
        }
    };
    if let Some(unknown) = map
        .keys()
        .find(|k| !params.iter().any(|p| p.name == k.as_str()))
    {
        let known: Vec<&str> = params.iter().map(|p| p.name).collect();
        return Err(ToolError::invalid_arguments(format!(
            "unknown argument `{unknown}` (expected: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    }
    for (name, value) in defaults {
        if !map.contains_key(*name) {
            map.insert((*name).to_owned(), value.clone());
        }
    }
    Ok(Args::new(map))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
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
