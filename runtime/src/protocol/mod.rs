//! The lowest layer: the MCP wire vocabulary every other layer speaks. JSON-RPC framing and error
//! codes, protocol revisions, log levels and the client's capabilities; no state, no I/O.

mod attached;
mod capabilities;
mod envelope;
mod header_marks;
mod json_key;
pub mod jsonrpc;
mod logging;
mod method;
mod params;
mod request;
mod request_meta;
pub mod version;

pub(crate) use attached::{Attached, TraceHeaders};
pub(crate) use capabilities::{ClientCapabilities, TASKS_EXTENSION};
pub(crate) use envelope::Envelope;
pub(crate) use header_marks::marked_arguments;
pub(crate) use json_key::JsonKey;
pub use logging::LogLevel;
pub(crate) use method::Method;
pub(crate) use params::RequestParams;
pub(crate) use request::{Incoming, Request};
pub(crate) use request_meta::MetaKeys;
pub use version::Version;
