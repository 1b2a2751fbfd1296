//! Asking the client while a tool runs: input from the user (`elicitation/create`), a completion
//! from the client's model (`sampling/createMessage`), or any other request the client serves.
//!
//! In a session (2025-06-18, 2025-11-25) they travel on the call's own connection: stdio, or the
//! SSE stream of the call's HTTP request. In a stateless 2026-07-28 request they end the round
//! with an `input_required` result, and the call goes on when the client calls again with the
//! answers (see `mcp::input_required`). A client is only sent what it declared it can answer.

use super::answers::{Elicitation, Sampled};
use super::asking::Asking;
use super::client_requests::NoResult;
use super::question::Question;
use super::Context;
use crate::error::ToolError;
use serde_json::{json, Value};

impl Context {
    /// Whether a request of `method` (e.g. `"elicitation/create"`) can reach the client: the call
    /// came over a connection or session, and the client declared the capability it needs.
    pub fn client_supports(&self, method: &str) -> bool {
        match self.asking() {
            Asking::Client { capabilities, .. } | Asking::Rounds { capabilities, .. } => {
                capabilities.allows(method)
            }
            Asking::Nobody => false,
        }
    }

    /// Makes the rest of this call a task, for a tool declared
    /// `#[tool(task, deferred_task)]`: the request that is running is answered with a task
    /// handle, and the call goes on as that task (the client polls `tasks/get`). What the tool
    /// asked before was asked in the request's own `input_required` rounds; what it asks after
    /// becomes the task's `inputRequests`.
    ///
    /// Anywhere else (a client that did not declare the tasks extension, a session, a call that
    /// is a task already) it returns at once and the call goes on as it was.
    ///
    /// ```ignore
    /// #[tool(task = "required", deferred_task)]
    /// async fn report(ctx: Context) -> Result<String, ToolError> {
    ///     let scope = ctx.elicit("Which month?", month_form()).await?; // in the request
    ///     ctx.begin_task().await;                                        // now a task
    ///     Ok(build_report(scope).await)
    /// }
    /// ```
    pub async fn begin_task(&self) {
        let Asking::Rounds {
            questions,
            begins_task: true,
            ..
        } = self.asking()
        else {
            return;
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let question = Question {
            key: None,
            method: super::BEGIN_TASK.to_owned(),
            params: Value::Null,
            reply,
        };
        if questions.send(question).is_ok() {
            let _ = answer.await;
        }
    }

    /// Sends a request to the client and waits for its result: the general form of
    /// [`elicit`](Self::elicit) and [`sample`](Self::sample).
    ///
    /// Fails with [`ToolError::MissingClientCapability`] when the client did not declare the
    /// capability the request needs; with [`ToolError::Client`] when the client cannot be asked
    /// (detached context), when the connection ends first, or when the client answers with an
    /// error; with [`ToolError::Cancelled`] when the call is cancelled.
    /// If the tool stops waiting (cancelled, timed out), the client is told to drop the request.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ToolError> {
        let fail = |message: String| client_error(method, message);
        let capabilities = match self.asking() {
            Asking::Nobody => {
                return Err(fail(format!(
                    "cannot send {method}: this call has no MCP client (a detached Context)"
                )))
            }
            Asking::Client { capabilities, .. } | Asking::Rounds { capabilities, .. } => {
                capabilities
            }
        };
        if !capabilities.allows(method) {
            let needed = method.split('/').next().unwrap_or(method);
            return Err(ToolError::MissingClientCapability {
                method: method.to_owned(),
                capability: needed.to_owned(),
            });
        }
        let asking = async {
            match self.asking() {
                Asking::Client { requests, .. } => match &self.inner.outbound {
                    Some(out) => requests.ask(out, method, params).await,
                    None => Err(NoResult::Closed),
                },
                Asking::Rounds { questions, .. } => {
                    let (reply, answer) = tokio::sync::oneshot::channel();
                    let question = Question {
                        key: self.request_key.clone(),
                        method: method.to_owned(),
                        params,
                        reply,
                    };
                    if questions.send(question).is_err() {
                        return Err(NoResult::Closed);
                    }
                    answer.await.unwrap_or(Err(NoResult::Closed))
                }
                Asking::Nobody => Err(NoResult::Closed),
            }
        };
        let answer = tokio::select! {
            answer = asking => answer,
            _ = self.cancelled() => return Err(ToolError::Cancelled),
        };
        answer.map_err(|no| match no {
            NoResult::Closed => fail(format!(
                "{method}: the connection to the client ended before it answered"
            )),
            NoResult::Busy => fail(format!(
                "cannot send {method}: too many calls are waiting for their clients' answers; \
                 try again later"
            )),
            NoResult::Refused(error) => {
                let code = error.get("code").cloned().unwrap_or(Value::Null);
                let text = error.get("message").and_then(Value::as_str).unwrap_or("");
                fail(format!(
                    "the client refused {method} (error {code}): {text}"
                ))
            }
        })
    }

    /// Asks the user for input through the client (`elicitation/create`, form mode):
    /// `requested_schema` is a flat JSON Schema object of primitive properties (string, number,
    /// integer, boolean, enums), as the MCP specification restricts it.
    ///
    /// ```no_run
    /// # async fn f(ctx: sturdy_runtime::Context) -> Result<(), sturdy_runtime::ToolError> {
    /// use serde_json::json;
    /// let answer = ctx
    ///     .elicit(
    ///         "Delete 3 files?",
    ///         json!({"type": "object", "properties": {"confirm": {"type": "boolean"}}}),
    ///     )
    ///     .await?;
    /// let confirmed = answer.accepted().and_then(|c| c.get("confirm")) == Some(&json!(true));
    /// # Ok(()) }
    /// ```
    pub async fn elicit(
        &self,
        message: impl Into<String>,
        requested_schema: Value,
    ) -> Result<Elicitation, ToolError> {
        const METHOD: &str = "elicitation/create";
        let params = json!({ "message": message.into(), "requestedSchema": requested_schema });
        let result = self.request(METHOD, params).await?;
        serde_json::from_value(result).map_err(|e| {
            client_error(
                METHOD,
                format!("the client's answer to {METHOD} is malformed: {e}"),
            )
        })
    }

    /// Asks the client's model to complete `prompt` (`sampling/createMessage` with one user
    /// message), in at most `max_tokens` tokens. For images, system prompts or model
    /// preferences, send the request yourself with [`request`](Self::request).
    pub async fn sample(
        &self,
        prompt: impl Into<String>,
        max_tokens: u32,
    ) -> Result<Sampled, ToolError> {
        const METHOD: &str = "sampling/createMessage";
        let params = json!({
            "messages": [{ "role": "user", "content": { "type": "text", "text": prompt.into() } }],
            "maxTokens": max_tokens,
        });
        let result = self.request(METHOD, params).await?;
        let malformed =
            |what: &str| client_error(METHOD, format!("the client's answer to {METHOD} {what}"));
        // One content block, or (2025-11-25) a list of them: the text ones are joined.
        let blocks = match &result["content"] {
            Value::Array(blocks) => blocks.iter().collect(),
            Value::Object(_) => vec![&result["content"]],
            _ => return Err(malformed("has no content")),
        };
        let texts: Vec<&str> = blocks
            .iter()
            .filter(|b| b["type"] == "text")
            .filter_map(|b| b["text"].as_str())
            .collect();
        if texts.is_empty() {
            return Err(malformed("has no text content"));
        }
        Ok(Sampled {
            text: texts.concat(),
            model: result["model"].as_str().unwrap_or_default().to_owned(),
            stop_reason: result["stopReason"].as_str().map(str::to_owned),
        })
    }
}

/// A question to the client that got no usable answer.
fn client_error(method: &str, message: String) -> ToolError {
    ToolError::Client {
        method: method.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_detached_context_cannot_ask() {
        let err = Context::detached()
            .elicit("name?", json!({"type": "object"}))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "client");
        assert!(err.to_string().contains("detached"), "{err}");
        assert!(!err.is_retryable());
    }
}
