//! Transports that carry MCP messages between clients and a [`Server`](crate::Server).

pub mod http;
pub mod stdio;
