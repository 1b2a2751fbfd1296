//! Prompts: canned workflows a client offers its user (`#[prompt]`), collected at link time like
//! tools, listed by `prompts/list`, expanded by `prompts/get`.

mod def;
mod message;

#[doc(hidden)]
pub use def::{missing_prompt_arg, take_prompt_arg, GetFuture, GetOutcome};
pub use def::{PromptArgDef, PromptDef};
#[doc(hidden)]
pub use message::IntoPromptMessages;
pub use message::PromptMessage;

use crate::completion::Completer;
use crate::context::Context;
use crate::error::ToolError;
use crate::registry::RegistryError;
use crate::resilience::run_as_call;
use crate::switches::Switches;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Every prompt of this binary, by name.
///
/// ```
/// let prompts = sturdy_runtime::prompts::Prompts::from_defs([]).unwrap();
/// assert!(prompts.is_empty());
/// ```
pub struct Prompts {
    by_name: HashMap<&'static str, &'static PromptDef>,
    /// `prompts/list` entries, sorted by name.
    listed: Vec<Value>,
    /// Every definition, by name.
    defs: Vec<&'static PromptDef>,
    /// Which are on, by name.
    switches: Arc<Switches>,
}

/// Why a prompt could not be expanded.
#[derive(Debug)]
pub enum GetError {
    /// No prompt has this name.
    Unknown,
    /// The arguments do not fit, or the function failed (or panicked).
    Failed(ToolError),
}

impl Prompts {
    /// Every `#[prompt]` linked into this binary.
    pub fn from_inventory() -> Result<Self, RegistryError> {
        Self::from_defs(inventory::iter::<PromptDef>)
    }

    /// These definitions; an error names a prompt name used twice.
    pub fn from_defs(
        defs: impl IntoIterator<Item = &'static PromptDef>,
    ) -> Result<Self, RegistryError> {
        let mut defs: Vec<&'static PromptDef> = defs.into_iter().collect();
        defs.sort_by_key(|d| d.name);
        let mut by_name = HashMap::new();
        let mut listed = Vec::new();
        for &def in &defs {
            if let Some(first) = by_name.insert(def.name, def) {
                return Err(RegistryError::BadDefinition(format!(
                    "two prompts are named `{}`: {} ({}) and {} ({})",
                    def.name, first.rust_path, first.location, def.rust_path, def.location
                )));
            }
            let mut entry = json!({ "name": def.name });
            if let Some(t) = def.title {
                entry["title"] = json!(t);
            }
            let description = def.description.trim();
            if !description.is_empty() {
                entry["description"] = json!(description);
            }
            let arguments: Vec<Value> = def
                .arguments
                .iter()
                .map(|a| {
                    let mut arg = json!({ "name": a.name, "required": a.required });
                    if let Some(d) = a.description {
                        arg["description"] = json!(d);
                    }
                    arg
                })
                .collect();
            if !arguments.is_empty() {
                entry["arguments"] = Value::Array(arguments);
            }
            listed.push(entry);
        }
        let switches = Arc::new(Switches::new(defs.iter().map(|d| (d.name, !d.disabled))));
        Ok(Prompts {
            switches,
            by_name,
            listed,
            defs,
        })
    }

    /// Every prompt definition, sorted by name.
    pub fn defs(&self) -> impl ExactSizeIterator<Item = &'static PromptDef> + '_ {
        self.defs.iter().copied()
    }

    /// Whether there are no prompts.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The prompts, as `prompts/list` lists them, whether on or off.
    pub fn listed(&self) -> &[Value] {
        &self.listed
    }

    /// The prompts that are on, as `prompts/list` shows them now.
    pub fn enabled_listed(&self) -> Vec<Value> {
        self.listed
            .iter()
            .filter(|p| {
                p["name"]
                    .as_str()
                    .is_some_and(|n| self.switches.is_enabled(n))
            })
            .cloned()
            .collect()
    }

    /// The switches that turn prompts on and off at run time (by name), and announce that the
    /// prompt list changed. A prompt that is off is left out of `prompts/list` and unknown to
    /// `prompts/get` and completion.
    pub fn switches(&self) -> &Arc<Switches> {
        &self.switches
    }

    /// The scopes getting prompt `name` needs (none for an unknown one).
    /// The name of the prompt `name`, as its definition holds it, when one is defined (enabled
    /// or not).
    #[cfg(feature = "otel")]
    pub(crate) fn defined_name(&self, name: &str) -> Option<&'static str> {
        self.by_name.get_key_value(name).map(|(name, _)| *name)
    }

    pub(crate) fn scopes_for(&self, name: &str) -> &'static [&'static str] {
        self.by_name.get(name).map_or(&[], |d| d.scopes)
    }

    /// The definition of prompt `name`, if it is on.
    fn enabled(&self, name: &str) -> Option<&'static PromptDef> {
        self.by_name
            .get(name)
            .copied()
            .filter(|_| self.switches.is_enabled(name))
    }

    /// The completions of argument `arg` of prompt `prompt`: `None` when there is no such
    /// argument, `Some(None)` when it declares none.
    pub fn completer(&self, prompt: &str, arg: &str) -> Option<Option<Completer>> {
        let def = self.enabled(prompt)?;
        let arg = def.arguments.iter().find(|a| a.name == arg)?;
        Some(arg.complete)
    }

    /// Expands prompt `name` with `arguments`: its description and messages, as `prompts/get`
    /// sends them.
    pub async fn get(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        ctx: Context,
    ) -> Result<Value, GetError> {
        let def = self.enabled(name).ok_or(GetError::Unknown)?;
        if let Some(unknown) = arguments
            .keys()
            .find(|k| !def.arguments.iter().any(|a| a.name == k.as_str()))
        {
            return Err(GetError::Failed(ToolError::InvalidArguments(format!(
                "unknown argument `{unknown}`"
            ))));
        }
        // As for tools: the resilience attributes see the client, and a panic is an error.
        let messages = run_as_call(ctx.client_arc(), (def.get)(ctx, arguments))
            .await
            .outcome
            .map_err(GetError::Failed)?;
        let mut result = json!({
            "messages": messages.iter().map(PromptMessage::to_json).collect::<Vec<_>>(),
        });
        let description = def.description.trim();
        if !description.is_empty() {
            result["description"] = json!(description);
        }
        Ok(result)
    }
}
