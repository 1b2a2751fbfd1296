//! Items the macros' generated code refers to (through `::sturdy::__private`). Not a public API.

pub use crate::app_state::{State, StateNeed};
pub use crate::context::Context;
pub use crate::error::ToolError;
// The output machinery entirely: compile errors about a return type name these items, and read
// best by a path that exists (`sturdy::__private::ResultSerialize`).
pub use crate::completion::Completer;
pub use crate::output::{
    CallOutcome, DisplayKind, ErrorDisplay, OutputFns, Probe, ResultJsonSchema, ResultSerialize,
    StructuredKind, TextKind, ToolErrorKind, ToolOutput, UnitKind, ViaDisplay, ViaStructured,
    ViaText, ViaToolError, ViaUnit,
};
pub use crate::prompts::{
    missing_prompt_arg, take_prompt_arg, GetFuture, IntoPromptMessages, PromptArgDef, PromptDef,
};
pub use crate::registry::{
    Annotations, Args, CallFuture, ParamDef, SchemaEdit, TaskSupport, ToolDef,
};
pub use crate::resources::{
    take_var, Address as ResourceAddress, CacheHint as ResourceCacheHint, IntoResourceContents,
    ReadFuture, ResourceDef,
};
pub use inventory;
pub use schemars::{JsonSchema, Schema, SchemaGenerator};
pub use serde_json;

use serde::de::DeserializeOwned;

/// A parameter type must be `Deserialize` (this trait only improves the compiler's message).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool parameter: it does not implement `serde::Deserialize`",
    label = "tool parameters must implement `serde::Deserialize` and `schemars::JsonSchema`",
    note = "derive them: `#[derive(serde::Deserialize, schemars::JsonSchema)]`"
)]
pub trait ParamDeserialize: DeserializeOwned {}
#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> ParamDeserialize for T {}

/// A parameter type must be `JsonSchema` (this trait only improves the compiler's message).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool parameter: it does not implement `schemars::JsonSchema`",
    label = "tool parameters must implement `serde::Deserialize` and `schemars::JsonSchema`",
    note = "derive them: `#[derive(serde::Deserialize, schemars::JsonSchema)]`"
)]
pub trait ParamJsonSchema: JsonSchema {}
#[diagnostic::do_not_recommend]
impl<T: JsonSchema + ?Sized> ParamJsonSchema for T {}

/// Schema of one parameter (for `Option<T>`, of `T`). The generated call is spanned at the user's
/// type, so a missing `JsonSchema` impl is reported there.
pub fn param_schema<T: ParamJsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// Removes and deserialises one argument. The generated code calls it from one function per
/// parameter, spanned at the user's type, so a missing `Deserialize` impl is reported once, there.
pub fn take_arg<T: ParamDeserialize>(args: &mut Args<'_>, name: &str) -> Result<T, ToolError> {
    args.take(name)
}

/// [`take_arg`] for an `Option<T>` parameter, checking `T` (the type the user wrote inside).
pub fn take_optional_arg<T: ParamDeserialize>(
    args: &mut Args<'_>,
    name: &str,
) -> Result<Option<T>, ToolError> {
    args.take(name)
}

/// Checks at start-up that a parameter default deserialises into the parameter's type, with the
/// parameter's own `take` function (so the type's `Deserialize` bound is checked in one place).
pub fn check_default<T>(
    value: serde_json::Value,
    name: &str,
    take: fn(&mut Args<'_>) -> Result<T, ToolError>,
) -> Result<serde_json::Value, String> {
    let mut args = Args::single(name, value.clone());
    match take(&mut args) {
        Ok(_) => Ok(value),
        Err(e) => {
            let e = match &e {
                ToolError::InvalidArguments(m) => m
                    .strip_prefix(&format!("argument `{name}`: "))
                    .unwrap_or(m)
                    .to_owned(),
                other => other.to_string(),
            };
            Err(format!(
                "default {value} does not fit the parameter's type: {e}"
            ))
        }
    }
}

/// JSON of a parameter default.
pub fn default_json<T: serde::Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).expect("a parameter default serialises to JSON")
}

pub use crate::sync_calls::{run_sync, SyncCalls, SEEN_QUICK_BEFORE_INLINE, SLOW_CALL};

/// An already-failed call (argument errors are found before the tool's future exists).
pub fn failed(e: ToolError) -> CallFuture {
    Box::pin(std::future::ready(Err(e)))
}

pub use crate::resilience::macro_support::*;

/// The `State<T>` a parameter receives; a clear error (never a panic) if the application provides
/// no `T`, which start-up checks make unreachable under `App`.
pub fn take_state<T: Send + Sync + 'static>(
    ctx: &Context,
    function: &str,
) -> Result<State<T>, ToolError> {
    ctx.state::<T>().ok_or_else(|| {
        ToolError::Failed(format!(
            "`{function}` needs a `State<{}>` that this server does not provide",
            std::any::type_name::<T>()
        ))
    })
}
