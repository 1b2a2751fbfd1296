//! Tools that ask the client while they run: the user, through a form (elicitation), and the
//! client's own model (sampling). In a session the question goes to the client mid-call; in a
//! stateless (2026-07-28) request the call returns `input_required` and goes on when the client
//! calls again with the answer. A client that did not declare the capability gets a `client`
//! error that says so.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};
use sturdy::prelude::*;

/// Contact details the user typed in.
#[derive(Debug, Serialize, JsonSchema)]
struct ContactDetails {
    name: String,
    email: String,
}

/// Ask the user for their name and email, e.g. before sending them a report. Fails if the user
/// declines or dismisses the form.
#[tool(read_only)]
async fn ask_contact_details(
    ctx: Context,
    #[arg(description = "Why the details are needed (shown to the user)")] reason: String,
) -> Result<ContactDetails, ToolError> {
    let form = json!({
        "type": "object",
        "properties": {
            "name": { "type": "string", "title": "Name" },
            "email": { "type": "string", "title": "Email", "format": "email" },
        },
        "required": ["name", "email"],
    });
    let answer = ctx.elicit(reason, form).await?;
    let Some(content) = answer.accepted() else {
        return Err(ToolError::new(format!(
            "the user did not give their details ({:?})",
            answer.action
        )));
    };
    let field = |key: &str| {
        content
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ToolError::new(format!("the client's answer has no {key}")))
    };
    Ok(ContactDetails {
        name: field("name")?,
        email: field("email")?,
    })
}

/// Summarise a text with the client's own model (MCP sampling): the server needs no model and no
/// API key.
#[tool(read_only)]
async fn summarize_with_client_model(
    ctx: Context,
    text: String,
    #[arg(description = "At most this many words (default 30, at most 500)")] max_words: Option<
        u32,
    >,
) -> Result<String, ToolError> {
    let max_words = max_words.unwrap_or(30).clamp(1, 500);
    let prompt = format!(
        "Summarise the following text in at most {max_words} words. Reply with the summary \
         only.\n\n{text}"
    );
    // About four tokens per word leaves room for punctuation and long words.
    let reply = ctx.sample(prompt, max_words * 4).await?;
    Ok(reply.text)
}
