//! One tool as the registry keeps it: where it comes from, what clients learn of it, how its
//! calls' arguments are read, and its counters.

use super::dynamic::DynamicCall;
use super::{
    header_params, schema, DynamicTool, HeaderParam, RegistryError, ToolInfo, ToolMetrics,
};
use crate::error::ToolError;
use crate::tool::{Args, TaskSupport, ToolDef};
use serde_json::value::RawValue;
use serde_json::Value;

/// Where a tool comes from: `#[tool]`, or the program at run time.
pub(super) enum Source {
    Def(&'static ToolDef),
    Dynamic {
        scopes: &'static [&'static str],
        call: DynamicCall,
    },
}

pub(super) struct Entry {
    pub(super) source: Source,
    pub(super) info: ToolInfo,
    /// Non-object results are sent as `{"result": value}` because MCP requires
    /// `structuredContent` and `outputSchema` to be objects.
    pub(super) wrap_output: bool,
    /// Parameter names on the wire, in order: what a call's arguments are checked against.
    pub(super) param_names: Vec<&'static str>,
    /// Parameter defaults, checked once at start-up: `(name, value)`.
    pub(super) defaults: Vec<(&'static str, Value)>,
    /// Parameters mirrored in HTTP headers.
    pub(super) header_params: Vec<HeaderParam>,
    pub(super) metrics: ToolMetrics,
}

/// A call's arguments, read as its tool takes them.
pub(super) enum Given<'a> {
    /// Each into its parameter's type (`#[tool]`).
    Args(Args<'a>),
    /// One JSON object (a dynamic tool).
    Json(Value),
}

/// A dynamic tool's arguments as one object (`null` or none: an empty one).
pub(super) fn object_arguments(arguments: Value) -> Result<Value, ToolError> {
    match arguments {
        Value::Null => Ok(Value::Object(Default::default())),
        Value::Object(_) => Ok(arguments),
        _ => Err(ToolError::invalid_arguments("arguments must be an object")),
    }
}

/// [`object_arguments`] of JSON text.
pub(super) fn dynamic_arguments(arguments: Option<&RawValue>) -> Result<Value, ToolError> {
    let value = match arguments {
        None => Value::Null,
        Some(raw) => serde_json::from_str(raw.get())
            .map_err(|e| ToolError::invalid_arguments(format!("arguments: {e}")))?,
    };
    object_arguments(value)
}

impl Entry {
    /// The entry of a `#[tool]`: its schemas built from its parameters, its defaults checked.
    pub(super) fn of_def(def: &'static ToolDef) -> Result<Entry, RegistryError> {
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
        let bad_schema = |message: String| RegistryError::BadSchema {
            tool: def.name.to_owned(),
            location: def.location.to_owned(),
            message,
        };
        let (mut output_schema, wrap_output) =
            match schema::output_schema(def.output_schema, def.output_edit).map_err(bad_schema)? {
                Some((s, wrap)) => (Some(s), wrap),
                None => (None, false),
            };
        let mut input_schema =
            schema::input_schema(def.params, &defaults, def.input_extend).map_err(bad_schema)?;
        let header_params = header_params::header_params(def).map_err(bad_schema)?;
        if def.schema_dialect {
            schema::declare_dialect(&mut input_schema);
            if let Some(s) = &mut output_schema {
                schema::declare_dialect(s);
            }
        }
        Ok(Entry {
            source: Source::Def(def),
            info: ToolInfo {
                name: def.name.to_owned(),
                title: def.title.map(str::to_owned),
                description: def.description.trim().to_owned(),
                input_schema,
                output_schema,
                annotations: def.annotations.to_json(),
                execution: (def.task != crate::tool::TaskSupport::Forbidden)
                    .then(|| serde_json::json!({ "taskSupport": def.task.as_str() })),
                policies: crate::resilience::macro_support::policies_of(def.rust_path),
            },
            wrap_output,
            param_names: def.params.iter().map(|p| p.name).collect(),
            defaults,
            header_params,
            metrics: Default::default(),
        })
    }

    /// The entry of a tool defined at run time.
    pub(super) fn of_dynamic(tool: DynamicTool) -> Result<Entry, RegistryError> {
        // Its schema is given: the arguments it mirrors in headers are those it marks.
        let header_params =
            header_params::marked_in_schema(&tool.info.input_schema).map_err(|why| {
                RegistryError::BadDefinition(format!(
                    "the tool {} defined at run time: {why}",
                    tool.info.name
                ))
            })?;
        Ok(Entry {
            source: Source::Dynamic {
                scopes: tool.scopes,
                call: tool.call,
            },
            info: tool.info,
            wrap_output: false,
            param_names: Vec::new(),
            defaults: Vec::new(),
            header_params,
            metrics: Default::default(),
        })
    }

    /// Its `#[tool]` definition, unless it was defined at run time.
    pub(super) fn def(&self) -> Option<&'static ToolDef> {
        match self.source {
            Source::Def(def) => Some(def),
            Source::Dynamic { .. } => None,
        }
    }

    pub(super) fn scopes(&self) -> &'static [&'static str] {
        match self.source {
            Source::Def(def) => def.scopes,
            Source::Dynamic { scopes, .. } => scopes,
        }
    }

    pub(super) fn task(&self) -> TaskSupport {
        self.def().map_or(TaskSupport::Forbidden, |d| d.task)
    }

    /// Where it was defined, for start-up errors.
    pub(super) fn origin(&self) -> String {
        match self.source {
            Source::Def(def) => format!("{} ({})", def.rust_path, def.location),
            Source::Dynamic { .. } => format!("the tool {} defined at run time", self.info.name),
        }
    }
}
