//! How a tool's return value becomes a call outcome.
//!
//! The `#[tool]` macro does not know whether a return type is `String` or a structured type, so the
//! generated code asks the compiler with autoref-based specialisation: `(&Probe::<T>).kind()`
//! resolves to [`TextKind`] for text types and to [`StructuredKind`] for anything `Serialize`.

use crate::error::ToolError;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::Value;
use std::marker::PhantomData;

/// What a successful call produced.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutput {
    /// Plain text, sent as one text content block.
    Text(String),
    /// A structured value, sent as `structuredContent` plus a JSON text copy.
    Structured(Value),
    /// Nothing (the function returned `()`).
    Empty,
}

/// Result of one call of a tool.
pub type CallOutcome = Result<ToolOutput, ToolError>;

/// Type-level probe for autoref specialisation (see the module docs).
pub struct Probe<T>(PhantomData<T>);

impl<T> Probe<T> {
    pub fn new() -> Self {
        Probe(PhantomData)
    }
    /// A probe for the type of `value`, for call sites that cannot name the type.
    pub fn of(_value: &T) -> Self {
        Probe(PhantomData)
    }
}

impl<T> Default for Probe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Text-like return types: `String`, `&str`.
pub struct TextKind;
/// `()`: an empty result.
pub struct UnitKind;
/// Anything `Serialize`: a structured result (and an output schema when it is also `JsonSchema`).
pub struct StructuredKind<T>(PhantomData<T>);

pub trait ViaText {
    fn kind(&self) -> TextKind {
        TextKind
    }
}
impl ViaText for Probe<String> {}
impl ViaText for Probe<&str> {}

pub trait ViaUnit {
    fn kind(&self) -> UnitKind {
        UnitKind
    }
}
impl ViaUnit for Probe<()> {}

pub trait ViaStructured<T> {
    fn kind(&self) -> StructuredKind<T> {
        StructuredKind(PhantomData)
    }
}
impl<T: Serialize> ViaStructured<T> for &Probe<T> {}

impl TextKind {
    pub fn convert(self, value: impl Into<String>) -> ToolOutput {
        ToolOutput::Text(value.into())
    }
    pub fn output_schema(self, _: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

impl UnitKind {
    pub fn convert(self, _: ()) -> ToolOutput {
        ToolOutput::Empty
    }
    pub fn output_schema(self, _: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

impl<T: Serialize> StructuredKind<T> {
    pub fn convert(self, value: T) -> CallOutcome {
        serde_json::to_value(value)
            .map(ToolOutput::Structured)
            .map_err(|e| ToolError::new(format!("the tool's result could not be serialized: {e}")))
    }
}

impl<T: Serialize + JsonSchema> StructuredKind<T> {
    pub fn output_schema(self, generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.subschema_for::<T>())
    }
}

/// Uniform `CallOutcome` from the converters above (some cannot fail).
pub trait IntoOutcome {
    fn into_outcome(self) -> CallOutcome;
}
impl IntoOutcome for ToolOutput {
    fn into_outcome(self) -> CallOutcome {
        Ok(self)
    }
}
impl IntoOutcome for CallOutcome {
    fn into_outcome(self) -> CallOutcome {
        self
    }
}

/// Error types: [`ToolError`] keeps its kind, anything else `Display` becomes [`ToolError::Failed`].
pub struct ToolErrorKind;
pub struct DisplayKind;

pub trait ViaToolError {
    fn err_kind(&self) -> ToolErrorKind {
        ToolErrorKind
    }
}
impl ViaToolError for Probe<ToolError> {}

pub trait ViaDisplay {
    fn err_kind(&self) -> DisplayKind {
        DisplayKind
    }
}
impl<E: std::fmt::Display> ViaDisplay for &Probe<E> {}

impl ToolErrorKind {
    pub fn convert(self, e: ToolError) -> ToolError {
        e
    }
}
impl DisplayKind {
    pub fn convert(self, e: impl std::fmt::Display) -> ToolError {
        ToolError::Failed(e.to_string())
    }
}
