//! The answers about the server itself: `initialize` (2025 sessions), `server/discover`
//! (2026-07-28) and the capabilities both announce.

use super::reply::{invalid_params, Params};
use super::{Server, Session};
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::version::{self, Version};
use crate::protocol::ClientCapabilities;
use serde_json::{json, Value};

impl Server {
    pub(super) fn initialize(&self, session: &Session, params: &Params) -> Result<Value, RpcError> {
        let requested = params
            .get("protocolVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_params("initialize needs a protocolVersion string"))?;
        // A revision we support is echoed; otherwise we answer with our newest handshake revision
        // and the client decides whether it can speak it.
        let version = Version::parse(requested)
            .filter(|v| !v.is_stateless())
            .unwrap_or(Version::LATEST_STATEFUL);
        let client_name = params
            .get("clientInfo")
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let capabilities = ClientCapabilities::from_json(params.get("capabilities"));
        // A second `initialize` on one connection must not forward changes twice.
        let first = session.version().is_none();
        session.initialized(version, client_name, capabilities);
        if first {
            self.forward_list_changes(session);
        }
        let mut result = json!({
            "protocolVersion": version.as_str(),
            "capabilities": self.capabilities(),
            "serverInfo": { "name": self.info.name, "version": self.info.version },
        });
        if let Some(i) = &self.info.instructions {
            result["instructions"] = json!(i);
        }
        Ok(result)
    }

    /// What this server offers: tools, logging, and resources and prompts when it has some; each
    /// list announces its changes (its switches).
    fn capabilities(&self) -> Value {
        let mut c = json!({ "tools": { "listChanged": true }, "logging": {} });
        if !self.resources.is_empty() {
            c["resources"] = json!({ "subscribe": true, "listChanged": true });
        }
        if !self.prompts.is_empty() {
            c["prompts"] = json!({ "listChanged": true });
        }
        if !self.prompts.is_empty() || self.resources.has_templates() {
            c["completions"] = json!({});
        }
        if self.registry.has_tasks() {
            c["extensions"][crate::protocol::TASKS_EXTENSION] = json!({});
        }
        if !self.skills.is_empty() {
            c["extensions"]["io.modelcontextprotocol/skills"] = json!({});
            // Skill files are resources.
            if c.get("resources").is_none() {
                c["resources"] = json!({ "listChanged": false });
            }
        }
        c
    }

    pub(super) fn discover(&self) -> Value {
        let mut result = json!({
            "supportedVersions": Version::ALL.map(Version::as_str),
            "capabilities": self.capabilities(),
            "_meta": { version::META_SERVER_INFO: { "name": self.info.name, "version": self.info.version } },
            "ttlMs": 300_000,
            "cacheScope": "public",
        });
        if let Some(i) = &self.info.instructions {
            result["instructions"] = json!(i);
        }
        result
    }
}
