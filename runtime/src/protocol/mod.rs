//! The lowest layer: the MCP wire vocabulary every other layer speaks. JSON-RPC framing and error
//! codes, protocol revisions, log levels and the client's capabilities; no state, no I/O.

mod capabilities;
mod envelope;
pub mod jsonrpc;
mod logging;
pub mod version;

pub(crate) use capabilities::ClientCapabilities;
pub(crate) use envelope::Envelope;
pub use logging::LogLevel;
pub use version::Version;
