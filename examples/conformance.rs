//! The fixture tools of the official MCP conformance suite (`@modelcontextprotocol/conformance`,
//! server scenarios `tools-*` and `json-schema-2020-12`), with the names, arguments and results the
//! scenarios expect. Run it with `cargo run --example conformance` (stdio) or `cargo run --example
//! conformance -- --http 127.0.0.1:8000` (what the suite tests; see tests/it/conformance_http.rs).
//!
//! `test_reconnection` needs the server to cut its SSE responses: tests/it/conformance_http.rs runs
//! this server with `STURDY_SSE_CLOSE_AFTER` shorter than that tool takes.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use sturdy::prelude::*;

/// A 1×1 red pixel, PNG (8-bit RGB).
const RED_PIXEL_PNG: [u8; 69] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xf7, 0x03, 0x41, 0x43, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A minimal WAV file: 10 ms of silence, 8 kHz, mono, 16-bit PCM.
fn silent_wav() -> Vec<u8> {
    const RATE: u32 = 8000;
    const SAMPLES: u32 = RATE / 100;
    let data_len = SAMPLES * 2;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    wav.resize(44 + data_len as usize, 0);
    wav
}

/// Returns a simple text response (scenario `tools-call-simple-text`).
#[tool]
fn test_simple_text() -> String {
    "This is a simple text response for testing.".into()
}

/// Returns a 1x1 red PNG as image content (scenario `tools-call-image`).
#[tool]
fn test_image_content() -> Content {
    Content::image(RED_PIXEL_PNG, "image/png")
}

/// Returns a short silent WAV as audio content (scenario `tools-call-audio`).
#[tool]
fn test_audio_content() -> Content {
    Content::audio(silent_wav(), "audio/wav")
}

/// Returns an embedded text resource (scenario `tools-call-embedded-resource`).
#[tool]
fn test_embedded_resource() -> Content {
    Content::resource_text(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    )
}

/// Returns text, an image and a resource together (scenario `tools-call-mixed-content`).
#[tool]
fn test_multiple_content_types() -> Vec<Content> {
    vec![
        Content::text("Multiple content types test:"),
        Content::image(RED_PIXEL_PNG, "image/png"),
        Content::resource_text(
            "test://mixed-content-resource",
            "application/json",
            r#"{"test":"data","value":123}"#,
        ),
    ]
}

/// Always fails with a tool error (scenario `tools-call-error`).
#[tool]
fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new(
        "This tool intentionally returns an error for testing",
    ))
}

/// Sends three info log messages about 50 ms apart (scenario `tools-call-with-logging`).
#[tool]
async fn test_tool_with_logging(ctx: Context) -> String {
    ctx.info("Tool execution started").await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    ctx.info("Tool processing data").await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    ctx.info("Tool execution completed").await;
    "Logging test completed".into()
}

/// Needs the client's model (scenario `server-stateless`: a stateless request whose `_meta` does not
/// declare `sampling` gets -32021 naming it).
#[tool]
async fn test_missing_capability(ctx: Context) -> Result<String, ToolError> {
    let reply = ctx.sample("Say hello", 20).await?;
    Ok(format!("LLM response: {}", reply.text))
}

/// Logs at every level (scenario `server-stateless`: a stateless request that names no
/// `logLevel` must get none of these messages).
#[tool]
async fn test_logging_tool(ctx: Context) -> String {
    for level in [
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warning,
        LogLevel::Error,
    ] {
        ctx.log(level, format!("{} message", level.as_str())).await;
    }
    "Logged at every level".into()
}

/// Asks the user something (scenario `server-stateless`: in a stateless request the question
/// travels inside the call's result, `input_required`, never as a request of its own on the
/// response stream).
#[tool]
async fn test_streaming_elicitation(ctx: Context) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": { "answer": { "type": "string" } },
        "required": ["answer"],
    });
    let answer = ctx.elicit("Please answer", schema).await?;
    Ok(format!("User response: {}", elicitation_text(&answer)))
}

/// Reports progress 0, 50 and 100 of 100, about 50 ms apart (scenario `tools-call-with-progress`).
#[tool]
async fn test_tool_with_progress(ctx: Context) -> String {
    for (i, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ctx.progress(progress, Some(100.0), None).await;
    }
    "Progress test completed".into()
}

/// Asks the client's model to complete `prompt` (scenario `tools-call-sampling`).
#[tool]
async fn test_sampling(ctx: Context, prompt: String) -> Result<String, ToolError> {
    let reply = ctx.sample(prompt, 100).await?;
    Ok(format!("LLM response: {}", reply.text))
}

/// Asks the user for a username and an email (scenario `tools-call-elicitation`).
#[tool]
async fn test_elicitation(ctx: Context, message: String) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "username": { "type": "string", "description": "User's response" },
            "email": { "type": "string", "description": "User's email address" },
        },
        "required": ["username", "email"],
    });
    let answer = ctx.elicit(message, schema).await?;
    Ok(format!("User response: {}", elicitation_text(&answer)))
}

/// Elicits a form whose fields all have defaults (scenario `elicitation-sep1034-defaults`).
#[tool]
async fn test_elicitation_sep1034_defaults(ctx: Context) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "name": { "type": "string", "default": "John Doe" },
            "age": { "type": "integer", "default": 30 },
            "score": { "type": "number", "default": 95.5 },
            "status": { "type": "string", "enum": ["active", "inactive", "pending"], "default": "active" },
            "verified": { "type": "boolean", "default": true },
        },
    });
    let answer = ctx
        .elicit("Test client default value handling", schema)
        .await?;
    Ok(format!(
        "Elicitation completed: {}",
        elicitation_text(&answer)
    ))
}

/// Elicits the five enum forms of the 2025-11-25 revision (scenario `elicitation-sep1330-enums`).
#[tool]
async fn test_elicitation_sep1330_enums(ctx: Context) -> Result<String, ToolError> {
    let titled = |pairs: &[(&str, &str)]| -> Vec<serde_json::Value> {
        pairs
            .iter()
            .map(|(value, title)| json!({ "const": value, "title": title }))
            .collect()
    };
    let schema = json!({
        "type": "object",
        "properties": {
            "untitledSingle": { "type": "string", "enum": ["option1", "option2", "option3"] },
            "titledSingle": {
                "type": "string",
                "oneOf": titled(&[("value1", "First Option"), ("value2", "Second Option"), ("value3", "Third Option")]),
            },
            "legacyEnum": {
                "type": "string",
                "enum": ["opt1", "opt2", "opt3"],
                "enumNames": ["Option One", "Option Two", "Option Three"],
            },
            "untitledMulti": {
                "type": "array",
                "items": { "type": "string", "enum": ["option1", "option2", "option3"] },
            },
            "titledMulti": {
                "type": "array",
                "items": { "anyOf": titled(&[("value1", "First Choice"), ("value2", "Second Choice"), ("value3", "Third Choice")]) },
            },
        },
    });
    let answer = ctx.elicit("Pick some options", schema).await?;
    Ok(format!(
        "Elicitation completed: {}",
        elicitation_text(&answer)
    ))
}

/// `action=accept, content={...}`.
fn elicitation_text(answer: &Elicitation) -> String {
    let action = json!(answer.action);
    let content = json!(answer.content.clone().unwrap_or_default());
    format!(
        "action={}, content={content}",
        action.as_str().unwrap_or("?")
    )
}

/// Takes longer than the server keeps an SSE response open when run with
/// `STURDY_SSE_CLOSE_AFTER=0.2` (scenario `server-sse-polling`): the client gets the result on
/// the stream it resumes with `GET` and `Last-Event-ID`.
#[tool]
async fn test_reconnection() -> String {
    tokio::time::sleep(Duration::from_millis(500)).await;
    "Reconnection test completed successfully".into()
}

// Scenarios `input-required-result-*` (2026-07-28 multi-round calls, SEP-2322): each question
// is named (`with_request_key`) as the scenario expects its `inputRequests` key.

/// A form with one string (or boolean) field `field`, required.
fn one_field(field: &str, kind: &str) -> serde_json::Value {
    json!({"type": "object", "properties": {field: {"type": kind}}, "required": [field]})
}

/// The accepted form's field `field`, as text.
fn field_of(answer: &sturdy::Elicitation, field: &str) -> String {
    match answer.accepted().and_then(|c| c.get(field)) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "nobody".into(),
    }
}

/// Asks the user's name (`user_name`), then greets them.
#[tool]
async fn test_input_required_result_elicitation(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .with_request_key("user_name")
        .elicit("What is your name?", one_field("name", "string"))
        .await?;
    Ok(format!("Hello, {}!", field_of(&answer, "name")))
}

/// Asks the client's model a question (`capital_question`).
#[tool]
async fn test_input_required_result_sampling(ctx: Context) -> Result<String, ToolError> {
    let reply = ctx
        .with_request_key("capital_question")
        .sample("What is the capital of France?", 100)
        .await?;
    Ok(format!("The model says: {}", reply.text))
}

/// Asks the client for its roots (`client_roots`).
#[tool]
async fn test_input_required_result_list_roots(ctx: Context) -> Result<String, ToolError> {
    let roots = ctx
        .with_request_key("client_roots")
        .request("roots/list", json!({}))
        .await?;
    Ok(format!("Roots: {}", roots["roots"]))
}

/// Asks for a confirmation (`confirm`), across a `requestState`.
#[tool]
async fn test_input_required_result_request_state(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .with_request_key("confirm")
        .elicit("Please confirm", one_field("ok", "boolean"))
        .await?;
    Ok(format!("Confirmed: {}", field_of(&answer, "ok")))
}

/// Asks three things at once: a name, a greeting from the model, the client's roots.
#[tool]
async fn test_input_required_result_multiple_inputs(ctx: Context) -> Result<String, ToolError> {
    let (user_name, greeting, client_roots) = (
        ctx.with_request_key("user_name"),
        ctx.with_request_key("greeting"),
        ctx.with_request_key("client_roots"),
    );
    let (name, greeting, roots) = tokio::join!(
        user_name.elicit("What is your name?", one_field("name", "string")),
        greeting.sample("Generate a greeting", 50),
        client_roots.request("roots/list", json!({})),
    );
    Ok(format!(
        "{} from {}: {}",
        greeting?.text,
        field_of(&name?, "name"),
        roots?["roots"]
    ))
}

/// Asks in two rounds: a name (`step1`), then a colour (`step2`).
#[tool]
async fn test_input_required_result_multi_round(ctx: Context) -> Result<String, ToolError> {
    let name = ctx
        .with_request_key("step1")
        .elicit("Step 1: What is your name?", one_field("name", "string"))
        .await?;
    let color = ctx
        .with_request_key("step2")
        .elicit(
            "Step 2: What is your favorite color?",
            one_field("color", "string"),
        )
        .await?;
    Ok(format!(
        "{} likes {}",
        field_of(&name, "name"),
        field_of(&color, "color")
    ))
}

/// Asks for a confirmation; its sealed `requestState` must come back unaltered.
#[tool]
async fn test_input_required_result_tampered_state(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .with_request_key("confirm")
        .elicit("Please confirm", one_field("ok", "boolean"))
        .await?;
    Ok(format!("Confirmed: {}", field_of(&answer, "ok")))
}

/// Asks only what the client declared it can answer (scenario `input-required-result-capability-
/// check`): its model, its user, or both.
#[tool]
async fn test_input_required_result_capabilities(ctx: Context) -> Result<String, ToolError> {
    let mut answers = Vec::new();
    if ctx.client_supports("sampling/createMessage") {
        let reply = ctx
            .with_request_key("capital_question")
            .sample("What is the capital of France?", 100)
            .await?;
        answers.push(format!("model: {}", reply.text));
    }
    if ctx.client_supports("elicitation/create") {
        let answer = ctx
            .with_request_key("user_name")
            .elicit("What is your name?", one_field("name", "string"))
            .await?;
        answers.push(format!("user: {}", field_of(&answer, "name")));
    }
    Ok(answers.join(", "))
}

/// Off until `test_trigger_tool_change` turns it on (it appears in `tools/list` then).
#[tool(disabled)]
fn test_dynamic_tool() -> String {
    "I was turned on at run time".into()
}

/// Turns `test_dynamic_tool` on, or off when it is on: the tool list changes, and clients that
/// listen are told (scenario `server-stateless`, its `subscriptions/listen` checks).
#[tool]
fn test_trigger_tool_change(ctx: Context) -> Result<String, ToolError> {
    let tools = ctx
        .tools()
        .ok_or_else(|| ToolError::new("no tool list to change (a detached call)"))?;
    if tools.enable("test_dynamic_tool") {
        Ok("test_dynamic_tool is on".into())
    } else {
        tools.disable("test_dynamic_tool");
        Ok("test_dynamic_tool is off".into())
    }
}

/// Off until `test_trigger_prompt_change` turns it on (it appears in `prompts/list` then).
#[prompt(disabled)]
fn test_dynamic_prompt() -> &'static str {
    "I was turned on at run time."
}

/// Turns `test_dynamic_prompt` on, or off when it is on: the prompt list changes, and clients
/// that listen are told (scenario `server-stateless`, `promptsListChanged`).
#[tool]
fn test_trigger_prompt_change(ctx: Context) -> Result<String, ToolError> {
    let prompts = ctx
        .prompts()
        .ok_or_else(|| ToolError::new("no prompt list to change (a detached call)"))?;
    if prompts.enable("test_dynamic_prompt") {
        Ok("test_dynamic_prompt is on".into())
    } else {
        prompts.disable("test_dynamic_prompt");
        Ok("test_dynamic_prompt is off".into())
    }
}

// Scenarios `resources-*` and `sep-2164-resource-not-found`.

/// A static text resource.
#[resource(uri = "test://static-text", mime_type = "text/plain")]
fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource (a 1×1 PNG).
#[resource(uri = "test://static-binary", mime_type = "image/png")]
fn static_binary() -> Vec<u8> {
    RED_PIXEL_PNG.to_vec()
}

/// A resource clients subscribe to (scenarios `resources-subscribe`, `resources-unsubscribe`).
#[resource(uri = "test://watched-resource", mime_type = "text/plain")]
fn watched_resource() -> &'static str {
    "Watched resource content."
}

/// Data for one id.
#[resource(template = "test://template/{id}/data", mime_type = "application/json")]
fn template_data(id: String) -> serde_json::Value {
    json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")})
}

// Scenarios `prompts-*`.

/// A prompt without arguments.
#[prompt]
fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

/// A prompt with two arguments.
#[prompt]
fn test_prompt_with_arguments(
    #[arg(description = "First test argument", complete = ["paris", "park", "party", "lyon"])]
    arg1: String,
    #[arg(description = "Second test argument")] arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

/// A prompt that embeds a resource.
#[prompt]
fn test_prompt_with_embedded_resource(
    #[arg(rename = "resourceUri", description = "URI of the resource to embed")]
    resource_uri: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::resource_text(
            resource_uri,
            "text/plain",
            "Embedded resource content for testing.",
        )),
        PromptMessage::user("Please process the embedded resource above."),
    ]
}

/// A prompt that asks the user for context first (scenario
/// `input-required-result-non-tool-request`: multi-round `prompts/get`).
#[prompt]
async fn test_input_required_result_prompt(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .with_request_key("user_context")
        .elicit(
            "What context should the prompt use?",
            one_field("context", "string"),
        )
        .await?;
    Ok(format!(
        "Use this context: {}",
        field_of(&answer, "context")
    ))
}

/// A prompt with an image.
#[prompt]
fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image(RED_PIXEL_PNG, "image/png")),
        PromptMessage::user("Please analyze the image above."),
    ]
}

/// A street address.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "address", extend("$anchor" = "addressDef"))]
struct Address {
    street: Option<String>,
    city: Option<String>,
}

/// How to reach someone.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum ContactMethod {
    Phone,
    Email,
}

// Scenario `json-schema-2020-12`: the scenario's `properties` and `$defs/address` (with its
// `$anchor`) come from the Rust types; the rules relating the parameters (`allOf`,
// `if`/`then`/`else`) are written by hand at the schema's root.
#[tool(
    description = "Tool with JSON Schema 2020-12 features",
    schema_dialect,
    input_extend = {
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]}
    }
)]
fn json_schema_2020_12_tool(
    name: Option<String>,
    address: Option<Address>,
    #[arg(rename = "contactMethod")] contact_method: Option<ContactMethod>,
    phone: Option<String>,
    email: Option<String>,
) -> String {
    let name = name.as_deref().unwrap_or("nobody");
    let reach = match contact_method {
        Some(ContactMethod::Phone) => phone,
        _ => email,
    };
    let at = match address {
        Some(a) => format!(
            "{name} at {}, {}",
            a.street.as_deref().unwrap_or("?"),
            a.city.as_deref().unwrap_or("?")
        ),
        None => format!("{name}, no address"),
    };
    match reach {
        Some(r) => format!("{at} ({r})"),
        None => at,
    }
}

/// Scenario `http-custom-header-server-validation` (SEP-2243): `region` and `priority` travel in
/// the headers `Mcp-Param-Region` and `Mcp-Param-Priority` too, and must agree with the body.
#[tool]
fn test_custom_headers(
    #[arg(header = "Region")] region: String,
    #[arg(header = "Priority")] priority: Option<i64>,
    query: Option<String>,
) -> String {
    format!(
        "region {region}, priority {}, query {}",
        priority.unwrap_or(0),
        query.as_deref().unwrap_or("-")
    )
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    sturdy::App::new("sturdy-conformance", env!("CARGO_PKG_VERSION"))
        .instructions("Fixture tools of the official MCP conformance suite.")
        .run()
        .await
}

// The tasks extension's fixtures (`tasks-*` scenarios).

/// Greets `name` (never a task).
#[tool]
fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// Sleeps `seconds`, then says so: a task for a client that declared the extension.
#[tool(task)]
async fn slow_compute(seconds: u64, #[arg(default = "")] label: String) -> String {
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    format!("Computed {label} after {seconds} s")
}

/// Fails as a tool after about a second (a task that completes with `isError`); only as a task.
#[tool(task = "required")]
async fn failing_job() -> Result<String, ToolError> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err(ToolError::new("the job failed"))
}

/// Panics: a protocol error, which fails its task.
#[tool(task)]
async fn protocol_error_job() -> String {
    panic!("the job crashed")
}

/// Asks for a confirmation before deleting `filename` (a task waiting for input).
#[tool(task)]
async fn confirm_delete(ctx: Context, filename: String) -> Result<String, ToolError> {
    let answer = ctx
        .with_request_key("confirm")
        .elicit(
            format!("Delete {filename}?"),
            one_field("confirm", "boolean"),
        )
        .await?;
    Ok(format!(
        "Deleted {filename}: {}",
        field_of(&answer, "confirm")
    ))
}

/// Asks two things at once (two pending `inputRequests`).
#[tool(task)]
async fn multi_input(ctx: Context) -> Result<String, ToolError> {
    let (first, second) = (
        ctx.with_request_key("first"),
        ctx.with_request_key("second"),
    );
    let (a, b) = tokio::join!(
        first.elicit("First name?", one_field("name", "string")),
        second.elicit("Second name?", one_field("name", "string")),
    );
    Ok(format!(
        "{} and {}",
        field_of(&a?, "name"),
        field_of(&b?, "name")
    ))
}

/// Asks the user's name in the request's own rounds (`user_name`), then becomes a task that
/// greets them (only as a task).
#[tool(task = "required", deferred_task)]
async fn test_tool_with_task(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .with_request_key("user_name")
        .elicit("What is your name?", one_field("name", "string"))
        .await?;
    ctx.begin_task().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(format!(
        "Hello, {}! (from a task)",
        field_of(&answer, "name")
    ))
}
