//! Tools defined at run time rather than by `#[tool]`: a gateway's upstream tools, tools read
//! from a configuration. Each is its listing as clients see it (the input schema is given, not
//! derived from a signature) and the function its calls go to, with their arguments as one JSON
//! object; in the registry it is listed, switched, counted, logged and guarded against panics as
//! any tool is.

use super::ToolInfo;
use crate::context::Context;
use crate::output::CallOutcome;
use crate::tool::CallFuture;
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// What a dynamic tool's calls run: the call's context and its arguments (an object).
#[derive(Clone)]
pub(crate) struct DynamicCall(Arc<dyn Fn(Context, Value) -> CallFuture + Send + Sync>);

impl DynamicCall {
    pub(crate) fn call(&self, ctx: Context, arguments: Value) -> CallFuture {
        (self.0)(ctx, arguments)
    }
}

// A panic in a call is caught and becomes that call's error result, as for `#[tool]`s (whose
// functions hold no state): the registry never reads what the handler holds, it only calls it
// again, so it stays unwind safe whatever the handler captures (a client, a pool).
impl std::panic::UnwindSafe for DynamicCall {}
impl std::panic::RefUnwindSafe for DynamicCall {}

/// A tool defined at run time, for [`Registry::from_parts`](super::Registry::from_parts).
///
/// ```
/// use serde_json::json;
/// use sturdy_runtime::registry::DynamicTool;
/// use sturdy_runtime::{Registry, ToolError, ToolOutput};
///
/// let shout = DynamicTool::new(
///     "shout",
///     "Says it louder.",
///     json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}),
///     |_ctx, arguments| async move {
///         let text = arguments["text"].as_str().unwrap_or_default().to_uppercase();
///         Ok::<_, ToolError>(ToolOutput::Text(text))
///     },
/// );
/// let registry = Registry::from_parts([], [shout]).unwrap();
/// assert_eq!(registry.get("shout").unwrap().description, "Says it louder.");
/// ```
#[derive(Clone)]
pub struct DynamicTool {
    pub(crate) info: ToolInfo,
    pub(crate) scopes: &'static [&'static str],
    pub(crate) call: DynamicCall,
}

impl std::fmt::Debug for DynamicTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicTool")
            .field("name", &self.info.name)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl DynamicTool {
    /// A tool named `name`, described for the model, whose arguments follow `input_schema` (a
    /// JSON Schema object) and whose calls run `call`.
    pub fn new<F, Fut>(
        name: impl Into<String>,
        description: impl Into<String>,
        input_schema: Value,
        call: F,
    ) -> DynamicTool
    where
        F: Fn(Context, Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CallOutcome> + Send + 'static,
    {
        DynamicTool {
            info: ToolInfo {
                name: name.into(),
                title: None,
                description: description.into(),
                input_schema,
                output_schema: None,
                annotations: None,
                execution: None,
                policies: Vec::new(),
            },
            scopes: &[],
            call: DynamicCall(Arc::new(move |ctx, arguments| {
                Box::pin(call(ctx, arguments))
            })),
        }
    }

    /// A human-readable title.
    pub fn title(mut self, title: impl Into<String>) -> DynamicTool {
        self.info.title = Some(title.into());
        self
    }

    /// The JSON Schema of its structured results (an object schema).
    pub fn output_schema(mut self, schema: Value) -> DynamicTool {
        self.info.output_schema = Some(schema);
        self
    }

    /// Its annotations (`{"readOnlyHint": true, …}`).
    pub fn annotations(mut self, annotations: Value) -> DynamicTool {
        self.info.annotations = Some(annotations);
        self
    }

    /// The policies around its calls, as listings show them (`_meta["dev.sturdy/policies"]`).
    pub fn policies(mut self, policies: Vec<Value>) -> DynamicTool {
        self.info.policies = policies;
        self
    }

    /// What a caller's access token must grant to see and call it (HTTP with an authorization
    /// server only).
    pub fn scopes<S: AsRef<str>>(mut self, scopes: impl IntoIterator<Item = S>) -> DynamicTool {
        self.scopes = crate::scope_lists::intern_all(scopes);
        self
    }

    /// What clients learn of it.
    pub fn info(&self) -> &ToolInfo {
        &self.info
    }
}
