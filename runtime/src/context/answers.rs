//! What the client answers a tool's questions with.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The user's answer to [`Context::elicit`](super::Context::elicit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Elicitation {
    /// What the user did with the request.
    pub action: ElicitAction,
    /// The submitted values (only when the user accepted a form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Map<String, Value>>,
}

impl Elicitation {
    /// The submitted values, when the user accepted.
    pub fn accepted(&self) -> Option<&Map<String, Value>> {
        match self.action {
            ElicitAction::Accept => self.content.as_ref(),
            _ => None,
        }
    }
}

/// What the user did with an elicitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElicitAction {
    /// Submitted the form or confirmed.
    Accept,
    /// Explicitly said no.
    Decline,
    /// Dismissed it without choosing.
    Cancel,
}

/// The client model's reply to [`Context::sample`](super::Context::sample).
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    /// The text of the reply.
    pub text: String,
    /// The model that wrote it, as the client names it.
    pub model: String,
    /// Why it stopped (`endTurn`, `maxTokens`, ...), when the client says.
    pub stop_reason: Option<String>,
}
