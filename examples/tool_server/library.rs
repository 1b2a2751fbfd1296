//! Resources and prompts a user would copy: a slow report behind `#[cached]`, a template whose
//! variable completes, and a prompt with completion that embeds a resource.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use sturdy::prelude::*;

/// Reports built so far (each says its number, so a cached one is recognisable).
static BUILDS: AtomicU32 = AtomicU32::new(0);

/// Today's summary: expensive to build, so it is cached for a minute.
#[resource(uri = "reports://daily", mime_type = "text/markdown")]
#[cached(ttl = 60)]
async fn daily_report() -> Result<String, ToolError> {
    // Stands for a slow query.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let build = BUILDS.fetch_add(1, Ordering::Relaxed) + 1;
    Ok(format!(
        "# Daily report (build {build})\n\n- 42 calls\n- 0 errors"
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
