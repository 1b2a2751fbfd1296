//! Prompts: canned workflows a client offers its user (`#[prompt]`), collected at link time like
//! tools, listed by `prompts/list`, expanded by `prompts/get`.

mod def;
mod dynamic;
mod message;

#[doc(hidden)]
pub use def::{missing_prompt_arg, take_prompt_arg, GetFuture, GetOutcome};
pub use def::{PromptArgDef, PromptDef};
pub use dynamic::{DynamicGetOutcome, DynamicPrompt};
#[doc(hidden)]
pub use message::IntoPromptMessages;
pub use message::PromptMessage;

use crate::completion::CompletionSource;
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
    /// Every prompt, sorted by name.
    entries: Vec<Entry>,
    /// Positions in `entries`, by name.
    by_name: HashMap<String, usize>,
    /// `prompts/list` entries, in the same order.
    listed: Vec<Value>,
    /// Every `#[prompt]` definition, by name.
    defs: Vec<&'static PromptDef>,
    /// Which are on, by name.
    switches: Arc<Switches>,
}

/// One prompt as the server keeps it: a `#[prompt]`, or one defined at run time.
enum Entry {
    Def(&'static PromptDef),
    Dynamic { name: String, prompt: DynamicPrompt },
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Entry::Def(def) => def.name,
            Entry::Dynamic { name, .. } => name,
        }
    }

    fn scopes(&self) -> &'static [&'static str] {
        match self {
            Entry::Def(def) => def.scopes,
            Entry::Dynamic { prompt, .. } => prompt.scopes,
        }
    }

    /// Where it was defined, for start-up errors.
    fn origin(&self) -> String {
        match self {
            Entry::Def(def) => format!("{} ({})", def.rust_path, def.location),
            Entry::Dynamic { name, .. } => format!("{name} (defined at run time)"),
        }
    }

    /// Its `prompts/list` entry.
    fn listed(&self) -> Value {
        let def = match self {
            Entry::Def(def) => def,
            Entry::Dynamic { prompt, .. } => return prompt.listing.clone(),
        };
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
        entry
    }
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
        Self::from_parts(defs, [])
    }

    /// These `#[prompt]` definitions and these defined at run time; an error names a prompt
    /// name used twice, or a listing without a name.
    pub fn from_parts(
        defs: impl IntoIterator<Item = &'static PromptDef>,
        dynamic: impl IntoIterator<Item = DynamicPrompt>,
    ) -> Result<Self, RegistryError> {
        let mut defs: Vec<&'static PromptDef> = defs.into_iter().collect();
        defs.sort_by_key(|d| d.name);
        let mut entries: Vec<Entry> = defs.iter().map(|d| Entry::Def(d)).collect();
        for prompt in dynamic {
            let Some(name) = prompt.listing["name"].as_str() else {
                return Err(RegistryError::BadDefinition(format!(
                    "the prompt listed as {} (defined at run time) has no `name`",
                    prompt.listing
                )));
            };
            let name = name.to_owned();
            entries.push(Entry::Dynamic { name, prompt });
        }
        entries.sort_by(|a, b| a.name().cmp(b.name()));
        if let Some(pair) = entries.windows(2).find(|w| w[0].name() == w[1].name()) {
            return Err(RegistryError::BadDefinition(format!(
                "two prompts are named `{}`: {} and {}",
                pair[0].name(),
                pair[0].origin(),
                pair[1].origin()
            )));
        }
        let switches = Arc::new(Switches::new(entries.iter().map(|e| {
            let on = match e {
                Entry::Def(def) => !def.disabled,
                Entry::Dynamic { .. } => true,
            };
            (e.name(), on)
        })));
        let by_name = entries
            .iter()
            .enumerate()
            .map(|(at, e)| (e.name().to_owned(), at))
            .collect();
        let listed = entries.iter().map(Entry::listed).collect();
        Ok(Prompts {
            switches,
            entries,
            by_name,
            listed,
            defs,
        })
    }

    /// The prompts as listed, each with its `#[prompt]` definition (none for those defined at
    /// run time).
    pub(crate) fn described(
        &self,
    ) -> impl Iterator<Item = (&Value, Option<&'static PromptDef>)> + '_ {
        self.listed.iter().zip(self.entries.iter().map(|e| match e {
            Entry::Def(def) => Some(*def),
            Entry::Dynamic { .. } => None,
        }))
    }

    /// Every scope a prompt needs, once per prompt.
    pub(crate) fn scopes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().flat_map(|e| e.scopes().iter().copied())
    }

    /// Every prompt definition, sorted by name.
    pub fn defs(&self) -> impl ExactSizeIterator<Item = &'static PromptDef> + '_ {
        self.defs.iter().copied()
    }

    /// Whether there are no prompts.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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

    /// The name of the prompt `name`, as its definition holds it, when a `#[prompt]` defines
    /// it (enabled or not).
    #[cfg(feature = "otel")]
    pub(crate) fn defined_name(&self, name: &str) -> Option<&'static str> {
        match self.entries.get(*self.by_name.get(name)?)? {
            Entry::Def(def) => Some(def.name),
            Entry::Dynamic { .. } => None,
        }
    }

    /// The scopes getting prompt `name` needs (none for an unknown one).
    pub(crate) fn scopes_for(&self, name: &str) -> &'static [&'static str] {
        self.by_name
            .get(name)
            .map_or(&[], |at| self.entries[*at].scopes())
    }

    /// Prompt `name`, if it is on.
    fn enabled(&self, name: &str) -> Option<&Entry> {
        self.by_name
            .get(name)
            .map(|at| &self.entries[*at])
            .filter(|_| self.switches.is_enabled(name))
    }

    /// Where the completions of argument `arg` of prompt `prompt` come from: `None` when there
    /// is no such prompt (that is on) or argument.
    pub(crate) fn completer(&self, prompt: &str, arg: &str) -> Option<CompletionSource> {
        match self.enabled(prompt)? {
            Entry::Def(def) => {
                let arg = def.arguments.iter().find(|a| a.name == arg)?;
                Some(CompletionSource::Declared(arg.complete))
            }
            Entry::Dynamic { prompt, .. } => {
                // Its arguments are those its listing names, when it names them.
                let arguments = prompt.listing["arguments"].as_array();
                let known = arguments.is_none_or(|a| a.iter().any(|a| a["name"] == arg));
                known.then(|| match &prompt.completer {
                    Some(completer) => CompletionSource::Dynamic(completer.clone()),
                    None => CompletionSource::Declared(None),
                })
            }
        }
    }

    /// Expands prompt `name` with `arguments`: its description and messages, as `prompts/get`
    /// sends them.
    pub async fn get(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        ctx: Context,
    ) -> Result<Value, GetError> {
        let def = match self.enabled(name).ok_or(GetError::Unknown)? {
            Entry::Def(def) => *def,
            Entry::Dynamic { prompt, .. } => {
                let client = ctx.client_arc();
                let got = (prompt.get)(ctx, arguments);
                // Unknown is an answer, not a failure: kept apart from the panics caught.
                let ran = run_as_call(client, async {
                    match got.await {
                        Err(GetError::Failed(e)) => Err(e),
                        answered => Ok(answered),
                    }
                })
                .await;
                return ran.outcome.map_err(GetError::Failed)?;
            }
        };
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
