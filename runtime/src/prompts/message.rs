//! What a prompt function returns, and how it becomes `prompts/get`'s `messages`.

use crate::content::Content;
use crate::error::ToolError;
use serde_json::{json, Value};

/// One message of a prompt: a role and a content block (text, image, audio, embedded resource).
///
/// ```
/// use sturdy_runtime::prompts::PromptMessage;
/// use sturdy_runtime::Content;
/// let messages = vec![
///     PromptMessage::user(Content::image(b"\x89PNG", "image/png")),
///     PromptMessage::user("Describe the image above."),
///     PromptMessage::assistant("It shows…"),
/// ];
/// # let _ = messages;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PromptMessage {
    role: &'static str,
    content: Content,
}

impl PromptMessage {
    /// A message from the user.
    pub fn user(content: impl Into<Content>) -> Self {
        PromptMessage {
            role: "user",
            content: content.into(),
        }
    }

    /// A message from the assistant (e.g. to prime its answer).
    pub fn assistant(content: impl Into<Content>) -> Self {
        PromptMessage {
            role: "assistant",
            content: content.into(),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        json!({ "role": self.role, "content": self.content.as_json() })
    }
}

/// What a `#[prompt]` function may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a prompt",
    label = "return text (`String`: one user message), `PromptMessage`, `Vec<PromptMessage>`, \
             or a `Result` of one",
    note = "errors (`Result<_, E>`) need `E: std::fmt::Display`, e.g. `ToolError`"
)]
#[doc(hidden)]
pub trait IntoPromptMessages {
    /// The messages, or why there are none.
    fn into_messages(self) -> Result<Vec<PromptMessage>, ToolError>;
}

impl IntoPromptMessages for String {
    fn into_messages(self) -> Result<Vec<PromptMessage>, ToolError> {
        Ok(vec![PromptMessage::user(self)])
    }
}

impl IntoPromptMessages for &'static str {
    fn into_messages(self) -> Result<Vec<PromptMessage>, ToolError> {
        Ok(vec![PromptMessage::user(self)])
    }
}

impl IntoPromptMessages for PromptMessage {
    fn into_messages(self) -> Result<Vec<PromptMessage>, ToolError> {
        Ok(vec![self])
    }
}

impl IntoPromptMessages for Vec<PromptMessage> {
    fn into_messages(self) -> Result<Vec<PromptMessage>, ToolError> {
        Ok(self)
    }
}

impl<T: IntoPromptMessages, E: std::fmt::Display + 'static> IntoPromptMessages for Result<T, E> {
    fn into_messages(self) -> Result<Vec<PromptMessage>, ToolError> {
        match self {
            Ok(v) => v.into_messages(),
            Err(e) => Err(ToolError::from_display(e)),
        }
    }
}
