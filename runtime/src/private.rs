//! Items the macros' generated code refers to (through `::sturdy::__private`). Not a public API.

pub use crate::context::Context;
pub use crate::error::ToolError;
pub use crate::output::{
    CallOutcome, IntoOutcome, Probe, ToolOutput, ViaDisplay, ViaStructured, ViaText, ViaToolError,
    ViaUnit,
};
pub use crate::registry::{Annotations, Args, CallFuture, ParamDef, ToolDef};
pub use inventory;
pub use schemars::{JsonSchema, Schema, SchemaGenerator};
pub use serde_json;

use crate::registry::panic_message;

/// Schema of one parameter, spanned at the user's type so a missing `JsonSchema` impl is reported
/// there.
pub fn param_schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// Checks at start-up that a parameter default deserialises into the parameter's type.
pub fn check_default<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<serde_json::Value, String> {
    match serde_json::from_value::<T>(value.clone()) {
        Ok(_) => Ok(value),
        Err(e) => Err(format!(
            "default {value} does not fit the parameter's type: {e}"
        )),
    }
}

/// JSON of a parameter default.
pub fn default_json<T: serde::Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).expect("a parameter default serialises to JSON")
}

/// Runs a sync tool on tokio's blocking pool so it never stalls the async workers.
pub async fn run_blocking<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<R, ToolError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        if e.is_panic() {
            ToolError::Panicked(panic_message(&*e.into_panic()))
        } else {
            ToolError::Cancelled
        }
    })
}

/// An already-failed call (argument errors are found before the tool's future exists).
pub fn failed(e: ToolError) -> CallFuture {
    Box::pin(std::future::ready(Err(e)))
}
