//! The opt-in built-in tools `health_check` and `simple_health`.

use super::checker::HealthChecker;
use super::report::Status;
use crate::context::Context;
use crate::output::ToolOutput;
use crate::registry::{Annotations, Args, CallFuture, ToolDef};
use schemars::{Schema, SchemaGenerator};
use serde_json::json;
use std::sync::{Arc, OnceLock};

static CHECKER: OnceLock<Arc<HealthChecker>> = OnceLock::new();

/// The built-in tools `health_check` and `simple_health`, serving `checker` (the first checker
/// installed in a process wins). [`App::health`](crate::App::health) adds them for you; add them
/// yourself to a [`Registry`](crate::Registry) built with `from_defs`.
pub fn install(checker: Arc<HealthChecker>) -> [&'static ToolDef; 2] {
    let _ = CHECKER.set(checker);
    [&HEALTH_CHECK, &SIMPLE_HEALTH]
}

fn no_output_schema(_: &mut SchemaGenerator) -> Option<Schema> {
    None
}

const READ_ONLY: Annotations = Annotations {
    title: None,
    read_only: Some(true),
    destructive: Some(false),
    idempotent: Some(true),
    open_world: Some(false),
};

static HEALTH_CHECK: ToolDef = ToolDef {
    name: "health_check",
    rust_path: "sturdy_runtime::health::tools::health_check",
    location: file!(),
    description: "Run every health check of this server and report the overall status, uptime, \
                  timestamp and each check's result.",
    title: Some("Health check"),
    annotations: READ_ONLY,
    schema_dialect: false,
    params: &[],
    output_schema: no_output_schema,
    call: health_check,
};

static SIMPLE_HEALTH: ToolDef = ToolDef {
    name: "simple_health",
    rust_path: "sturdy_runtime::health::tools::simple_health",
    location: file!(),
    description: "Say whether this server is up, with its uptime, without running any check.",
    title: Some("Simple health"),
    annotations: READ_ONLY,
    schema_dialect: false,
    params: &[],
    output_schema: no_output_schema,
    call: simple_health,
};

fn health_check(_: Context, _: Args) -> CallFuture {
    Box::pin(async {
        let checker = CHECKER.get().expect("installed with the tool");
        let report = checker.run().await;
        Ok(ToolOutput::Structured(
            serde_json::to_value(report).expect("serialises"),
        ))
    })
}

fn simple_health(_: Context, _: Args) -> CallFuture {
    Box::pin(async {
        let checker = CHECKER.get().expect("installed with the tool");
        Ok(ToolOutput::Structured(json!({
            "status": Status::Healthy,
            "uptime": checker.uptime().as_secs_f64(),
            "timestamp": super::clock::rfc3339_now(),
        })))
    })
}
