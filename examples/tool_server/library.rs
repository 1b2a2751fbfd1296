//! Resources and prompts a user would copy: a slow report behind `#[cached]`, a template whose
//! variable completes, a prompt with completion that embeds a resource, and a notes board whose
//! resource tells subscribers when a tool changes it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use sturdy::prelude::*;

/// Reports built so far (each says its number, so a cached one is recognisable).
static BUILDS: AtomicU32 = AtomicU32::new(0);

/// Today's summary: expensive to build, so it is cached for a minute (and clients may keep it as
/// long: it is the same for every reader).
#[resource(
    uri = "reports://daily",
    mime_type = "text/markdown",
    cache_ttl = 60,
    cache_scope = "public"
)]
#[cached(ttl = 60)]
async fn daily_report() -> Result<String, ToolError> {
    // Stands for a slow query.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let build = BUILDS.fetch_add(1, Ordering::Relaxed) + 1;
    // Which process built it: replicas sharing a cache (`STURDY_REDIS_URL`) serve one build.
    let process = std::process::id();
    Ok(format!(
        "# Daily report (build {build})\n\n- 42 calls\n- 0 errors\n- built by process {process}"
    ))
}

/// The regions served.
const REGIONS: [&str; 4] = ["eu-west", "eu-central", "us-east", "us-west"];

/// One region's status.
#[resource(template = "status://regions/{region}", mime_type = "application/json")]
fn region_status(
    #[arg(complete = region_names)] region: String,
) -> Result<serde_json::Value, ToolError> {
    if !REGIONS.contains(&region.as_str()) {
        return Err(ToolError::new(format!("no region {region:?}")));
    }
    Ok(serde_json::json!({ "region": region, "status": "healthy" }))
}

/// The regions that start with what was typed: the completions of `region`.
fn region_names(typed: &str) -> Vec<String> {
    REGIONS
        .iter()
        .filter(|r| r.starts_with(typed))
        .map(|r| (*r).to_owned())
        .collect()
}

/// Explain a region's status to an operator.
#[prompt(title = "Explain a region's status")]
fn explain_region(
    #[arg(description = "The region", complete = region_names)] region: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::resource_text(
            format!("status://regions/{region}"),
            "application/json",
            format!(r#"{{"region":"{region}","status":"healthy"}}"#),
        )),
        PromptMessage::user(format!(
            "Explain the status of {region} above to an on-call operator, in two sentences."
        )),
    ]
}

/// The operators' latest notes, shared by the tool that adds one and the resource that shows
/// them (application state: `App::state(Notes::default())`).
#[derive(Default)]
pub struct Notes(Mutex<VecDeque<String>>);

/// Notes kept (the oldest go first) and characters per note: the board's memory stays bounded.
const MAX_NOTES: usize = 100;
const MAX_NOTE_CHARS: usize = 1000;

/// The operators' latest notes, newest first. Subscribe to hear when one is added.
///
/// Over HTTP with an authorization server, readers need the `notes:read` scope.
#[resource(uri = "notes://latest", mime_type = "text/plain", scopes = ["notes:read"])]
fn latest_notes(notes: State<Notes>) -> String {
    let notes = notes.0.lock().unwrap_or_else(|p| p.into_inner());
    notes.iter().rev().cloned().collect::<Vec<_>>().join("\n")
}

/// Leave a note for the other operators (at most 1000 characters; the latest 100 are kept).
/// Clients subscribed to `notes://latest` are told it changed.
///
/// Over HTTP with an authorization server, writers need the `notes:write` scope.
#[tool(destructive = false, idempotent = false, scopes = ["notes:write"])]
fn add_note(ctx: Context, notes: State<Notes>, text: String) -> Result<String, ToolError> {
    let chars = text.chars().count();
    if chars > MAX_NOTE_CHARS {
        return Err(ToolError::invalid_arguments(format!(
            "a note has at most {MAX_NOTE_CHARS} characters; this one has {chars}"
        )));
    }
    let count = {
        let mut notes = notes.0.lock().unwrap_or_else(|p| p.into_inner());
        if notes.len() == MAX_NOTES {
            notes.pop_front();
        }
        notes.push_back(text);
        notes.len()
    };
    ctx.resource_updated("notes://latest");
    Ok(format!("noted ({count} on the board)"))
}
