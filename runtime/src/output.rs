//! How a tool's return value becomes a call outcome.
//!
//! The `#[tool]` macro does not know whether a return type is `String` or a structured type, so the
//! generated code asks the compiler with autoref-based specialisation: `(&Probe::<T>).kind()`
//! resolves to [`TextKind`] for text types, [`UnitKind`] for `()` and to [`StructuredKind`] for
//! anything else; `.fns()` then checks that a structured type is `Serialize + JsonSchema`.

use crate::content::Content;
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
    /// Content blocks (the function returned [`Content`] or `Vec<Content>`), sent in order.
    Content(Vec<Content>),
    /// A whole result as another server gave it (a gateway's, a client's): its blocks, its
    /// `structuredContent`, and whether it is an error, passed on as they are. (Not named
    /// `Result`: a variant of that name makes rustc spell `std::result::Result` in full in
    /// every error message about this crate's types.)
    Forwarded {
        /// The content blocks.
        content: Vec<Content>,
        /// `structuredContent`, when it has one.
        structured: Option<Value>,
        /// `isError`.
        is_error: bool,
    },
}

impl From<String> for ToolOutput {
    fn from(text: String) -> Self {
        ToolOutput::Text(text)
    }
}

impl From<&str> for ToolOutput {
    fn from(text: &str) -> Self {
        ToolOutput::Text(text.to_owned())
    }
}

impl From<Content> for ToolOutput {
    fn from(block: Content) -> Self {
        ToolOutput::Content(vec![block])
    }
}

impl From<Vec<Content>> for ToolOutput {
    fn from(blocks: Vec<Content>) -> Self {
        ToolOutput::Content(blocks)
    }
}

/// Result of one call of a tool.
#[doc(hidden)]
pub type CallOutcome = Result<ToolOutput, ToolError>;

/// Type-level probe for autoref specialisation (see the module docs).
pub struct Probe<T>(PhantomData<T>);

impl<T> Probe<T> {
    /// A probe for `T`.
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

/// How a tool's success value of type `T` is converted, and its output schema. The generated code
/// asks for it once per tool (`(&Probe::<T>::new()).kind().fns::<T>()`, with the user's `T`), so an
/// unsuitable return type is reported once, at the return type.
pub struct OutputFns<T> {
    /// Turns the value into a call outcome.
    pub convert: fn(T) -> CallOutcome,
    /// Its output schema, if it has one.
    pub output_schema: fn(&mut SchemaGenerator) -> Option<Schema>,
}

/// Return types sent as content blocks only (no `structuredContent`, no output schema): text
/// (`String`, `&str`) and [`Content`] / `Vec<Content>`.
pub struct TextKind;
/// `()`: an empty result.
pub struct UnitKind;
/// Anything else: a structured result, which needs `Serialize` and `JsonSchema` (checked by
/// [`StructuredKind::fns`], so that a missing impl gets a readable message).
pub struct StructuredKind;

/// Chosen for text-like types (see the module docs).
pub trait ViaText {
    /// [`TextKind`].
    fn kind(&self) -> TextKind {
        TextKind
    }
}
impl ViaText for Probe<String> {}
impl ViaText for Probe<&str> {}
impl ViaText for Probe<Content> {}
impl ViaText for Probe<Vec<Content>> {}
/// A finished outcome passes through as it is (no output schema): for tools that choose per call.
impl ViaText for Probe<ToolOutput> {}

/// Chosen for `()`.
pub trait ViaUnit {
    /// [`UnitKind`].
    fn kind(&self) -> UnitKind {
        UnitKind
    }
}
impl ViaUnit for Probe<()> {}

/// Chosen for anything else.
pub trait ViaStructured {
    /// [`StructuredKind`].
    fn kind(&self) -> StructuredKind {
        StructuredKind
    }
}
impl<T> ViaStructured for &Probe<T> {}

/// A structured return type must be `Serialize` (this trait only improves the compiler's message).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a tool: it does not implement `serde::Serialize`",
    label = "a tool's result type must implement `serde::Serialize` and `schemars::JsonSchema`",
    note = "derive them: `#[derive(serde::Serialize, schemars::JsonSchema)]`, or return `String` (text), `()` or `Result<T, E>`"
)]
pub trait ResultSerialize: Serialize {}
#[diagnostic::do_not_recommend]
impl<T: Serialize + ?Sized> ResultSerialize for T {}

/// A structured return type must be `JsonSchema` for its output schema (this trait only improves
/// the compiler's message).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a tool: it does not implement `schemars::JsonSchema`",
    label = "a tool's result type must implement `serde::Serialize` and `schemars::JsonSchema`",
    note = "derive them: `#[derive(serde::Serialize, schemars::JsonSchema)]`, or return `String` (text), `()` or `Result<T, E>`"
)]
pub trait ResultJsonSchema: JsonSchema {}
#[diagnostic::do_not_recommend]
impl<T: JsonSchema + ?Sized> ResultJsonSchema for T {}

impl TextKind {
    /// The conversion of a text-like value.
    pub fn fns<T: Into<ToolOutput>>(self) -> OutputFns<T> {
        OutputFns {
            convert: |value| Ok(value.into()),
            output_schema: |_| None,
        }
    }
}

impl UnitKind {
    /// The conversion of `()`.
    pub fn fns<T: Into<()>>(self) -> OutputFns<T> {
        OutputFns {
            convert: |_| Ok(ToolOutput::Empty),
            output_schema: |_| None,
        }
    }
}

impl StructuredKind {
    /// The conversion of a structured value and its schema.
    pub fn fns<T: ResultSerialize + ResultJsonSchema>(self) -> OutputFns<T> {
        OutputFns {
            convert: |value| {
                serde_json::to_value(value)
                    .map(ToolOutput::Structured)
                    .map_err(|e| {
                        ToolError::new(format!("the tool's result could not be serialized: {e}"))
                    })
            },
            output_schema: |generator| Some(generator.subschema_for::<T>()),
        }
    }
}

/// Error types: [`ToolError`] keeps its kind, anything else `Display` becomes [`ToolError::Failed`].
pub struct ToolErrorKind;
/// An error type that is not `ToolError`: converted through `Display`.
pub struct DisplayKind;

/// Chosen for `ToolError`.
pub trait ViaToolError {
    /// [`ToolErrorKind`].
    fn err_kind(&self) -> ToolErrorKind {
        ToolErrorKind
    }
}
impl ViaToolError for Probe<ToolError> {}

/// Chosen for any other error type.
pub trait ViaDisplay {
    /// [`DisplayKind`].
    fn err_kind(&self) -> DisplayKind {
        DisplayKind
    }
}
impl<E> ViaDisplay for &Probe<E> {}

/// The error type of a tool's `Result` must be `Display` (this trait only improves the compiler's
/// message).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool's error type: it does not implement `std::fmt::Display`",
    label = "the error type of a tool's `Result` must implement `std::fmt::Display`",
    note = "return `Result<T, sturdy::ToolError>`, or implement `Display` for the error type"
)]
pub trait ErrorDisplay: std::fmt::Display {}
#[diagnostic::do_not_recommend]
impl<E: std::fmt::Display + ?Sized> ErrorDisplay for E {}

impl ToolErrorKind {
    /// The error as it is.
    pub fn convert<E: Into<ToolError>>(self, e: E) -> ToolError {
        e.into()
    }
}
impl DisplayKind {
    /// A tool error with the error's text.
    pub fn convert<E: ErrorDisplay>(self, e: E) -> ToolError {
        ToolError::Failed(e.to_string())
    }
}
