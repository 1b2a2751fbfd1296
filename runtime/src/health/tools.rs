//! The opt-in built-in tools `health_check` and `simple_health`, written with the same `#[tool]`
//! users write; `def = …` keeps them out of the link-time registry until a program installs them.

use super::checker::HealthChecker;
use super::report::Status;
use crate::output::ToolOutput;
use crate::tool::ToolDef;
use serde_json::json;
use std::sync::{Arc, OnceLock};
use sturdy_macros::tool;

static CHECKER: OnceLock<Arc<HealthChecker>> = OnceLock::new();

/// The built-in tools `health_check` and `simple_health`, serving `checker` (the first checker
/// installed in a process wins). [`App::health`](crate::App::health) adds them for you; add them
/// yourself to a [`Registry`](crate::Registry) built with `from_defs`.
pub fn install(checker: Arc<HealthChecker>) -> [&'static ToolDef; 2] {
    let _ = CHECKER.set(checker);
    [&HEALTH_CHECK, &SIMPLE_HEALTH]
}

fn checker() -> &'static HealthChecker {
    CHECKER.get().expect("installed with the tool")
}

/// Run every health check of this server and report the overall status, uptime, timestamp and each check's result.
#[tool(crate = crate, def = HEALTH_CHECK, title = "Health check", read_only,
    destructive = false, idempotent, open_world = false)]
async fn health_check() -> ToolOutput {
    let report = checker().run().await;
    ToolOutput::Structured(serde_json::to_value(report).expect("a report serialises"))
}

/// Say whether this server is up, with its uptime, without running any check.
#[tool(crate = crate, def = SIMPLE_HEALTH, title = "Simple health", read_only,
    destructive = false, idempotent, open_world = false)]
async fn simple_health() -> ToolOutput {
    ToolOutput::Structured(json!({
        "status": Status::Healthy,
        "uptime": checker().uptime().as_secs_f64(),
        "timestamp": crate::clock::rfc3339_now(),
    }))
}
