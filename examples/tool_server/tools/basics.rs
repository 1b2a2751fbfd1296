//! Plain tools: arguments, structured results, errors, progress, panics.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sturdy::prelude::*;

/// Add two integers, and optionally a third.
#[tool(read_only, idempotent)]
async fn add(
    a: i64,
    b: i64,
    #[arg(description = "An optional third addend")] c: Option<i64>,
) -> i64 {
    a + b + c.unwrap_or(0)
}

/// Greet someone by name.
#[tool(title = "Greeter", read_only)]
fn greet(
    #[arg(description = "Who to greet")] name: String,
    #[arg(description = "Greeting word", default = "Hello")] greeting: String,
) -> String {
    format!("{greeting}, {name}!")
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
struct Stats {
    /// Number of points.
    count: usize,
    /// Mean of the points.
    centroid: Option<(f64, f64)>,
    /// Largest distance from the centroid.
    spread: f64,
}

/// Summary statistics of a set of 2-D points.
#[tool(read_only, idempotent)]
fn point_stats(points: Vec<Point>) -> Stats {
    if points.is_empty() {
        return Stats {
            count: 0,
            centroid: None,
            spread: 0.0,
        };
    }
    let n = points.len() as f64;
    let (cx, cy) = (
        points.iter().map(|p| p.x).sum::<f64>() / n,
        points.iter().map(|p| p.y).sum::<f64>() / n,
    );
    let spread = points
        .iter()
        .map(|p| ((p.x - cx).powi(2) + (p.y - cy).powi(2)).sqrt())
        .fold(0.0, f64::max);
    Stats {
        count: points.len(),
        centroid: Some((cx, cy)),
        spread,
    }
}

/// Divide a by b; dividing by zero is a tool error the model can read.
#[tool(read_only, idempotent)]
fn divide(a: f64, b: f64) -> Result<f64, ToolError> {
    if b == 0.0 {
        return Err(ToolError::new("cannot divide by zero"));
    }
    Ok(a / b)
}

/// Count to n, reporting progress to the client as it goes.
#[tool]
async fn count_slowly(ctx: Context, n: u32) -> String {
    for i in 1..=n {
        ctx.progress(f64::from(i), Some(f64::from(n)), Some("counting"))
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    format!("counted to {n}")
}

/// Build a report that takes `minutes` (at most 60): reports its progress every second to a
/// client that asked for it, and stops when cancelled. A client that declared the tasks
/// extension gets it as a task to poll instead of a request held open.
#[tool(read_only, task)]
async fn long_report(
    ctx: Context,
    #[arg(description = "How long the report takes, in minutes (at most 60)")] minutes: f64,
) -> Result<String, ToolError> {
    if !(0.0..=60.0).contains(&minutes) {
        return Err(ToolError::invalid_arguments(
            "minutes must be between 0 and 60",
        ));
    }
    let total = std::time::Duration::from_secs_f64(minutes * 60.0);
    let started = tokio::time::Instant::now();
    while started.elapsed() < total {
        let done = started.elapsed().as_secs_f64();
        ctx.progress(done, Some(total.as_secs_f64()), Some("writing the report"))
            .await;
        let step = (total - started.elapsed()).min(std::time::Duration::from_secs(1));
        tokio::select! {
            () = tokio::time::sleep(step) => {}
            () = ctx.cancelled() => return Err(ToolError::Cancelled),
        }
    }
    Ok(format!("the report of {minutes} minutes is ready"))
}

/// Always panics: shows that a panicking tool becomes an error result and the server keeps going.
#[tool(name = "panic_demo")]
fn panics() -> String {
    panic!("this tool always panics")
}
