//! The server as an OAuth 2.1 resource server, as the MCP authorization specification asks of an
//! HTTP server: clients find the authorization server in this server's protected resource
//! metadata (RFC 9728), obtain an access token for this server's resource (RFC 8707) and present
//! it as a bearer token; the server verifies it (a JWT access token, RFC 9068, signed with one of
//! the authorization server's keys) and knows the caller by its subject.
//!
//! Configured with [`AuthOptions`] (`STURDY_AUTH_*` for `App`). Over stdio there are no tokens:
//! none of this applies there.
//!
//! ```
//! use sturdy_runtime::auth::AuthOptions;
//! let auth = AuthOptions::new("https://login.example.com/")
//!     .public_url("https://mcp.example.com/mcp")
//!     .required_scopes(["mcp:use"]);
//! assert!(auth.check().is_ok());
//! assert!(AuthOptions::new("http://login.example.com").check().is_err()); // https only
//! ```

mod discovery;
mod introspect;
mod keys;
mod metadata;
mod options;
mod refused;
mod verify;

pub(crate) use metadata::{Challenge, ResourceMetadata};
pub use options::AuthOptions;
pub(crate) use verify::Verifier;
