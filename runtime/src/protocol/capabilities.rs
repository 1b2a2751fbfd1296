//! What a client declared it can be asked (in `initialize`, or in a stateless request's `_meta`).

use serde_json::Value;

/// What the client said in `initialize` it can be asked.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientCapabilities {
    pub(crate) sampling: bool,
    pub(crate) elicitation: bool,
    pub(crate) roots: bool,
    /// The tasks extension ([`TASKS_EXTENSION`] under `extensions`).
    pub(crate) tasks: bool,
}

/// The tasks extension's identifier.
pub(crate) const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";

impl ClientCapabilities {
    /// From the `capabilities` member of `initialize`'s params.
    pub(crate) fn from_json(capabilities: Option<&Value>) -> Self {
        let has = |name: &str| {
            capabilities
                .and_then(|c| c.get(name))
                .is_some_and(Value::is_object)
        };
        ClientCapabilities {
            sampling: has("sampling"),
            elicitation: has("elicitation"),
            roots: has("roots"),
            tasks: capabilities
                .and_then(|c| c.get("extensions"))
                .and_then(|e| e.get(TASKS_EXTENSION))
                .is_some_and(Value::is_object),
        }
    }

    /// Whether the client declared the capability a request of `method` needs.
    pub(crate) fn allows(&self, method: &str) -> bool {
        match method.split('/').next() {
            Some("sampling") => self.sampling,
            Some("elicitation") => self.elicitation,
            Some("roots") => self.roots,
            _ => true,
        }
    }

    /// Whether any request of the server's can reach this client.
    pub(crate) fn any(&self) -> bool {
        self.sampling || self.elicitation || self.roots
    }
}
