//! The lowest layer: the MCP wire vocabulary every other layer speaks. JSON-RPC framing and error
//! codes, protocol revisions, log levels and the client's capabilities; no state, no I/O.

mod capabilities;
mod envelope;
mod json_key;
pub mod jsonrpc;
mod logging;
mod params;
mod request_meta;
pub mod version;

pub(crate) use capabilities::ClientCapabilities;
pub(crate) use envelope::Envelope;
pub(crate) use json_key::JsonKey;
pub use logging::LogLevel;
pub(crate) use params::RequestParams;
pub(crate) use request_meta::{check_stateless_keys, MetaKeys};
pub use version::Version;
