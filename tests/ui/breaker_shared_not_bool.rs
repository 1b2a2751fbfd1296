use sturdy::prelude::*;

#[circuit_breaker(threshold = 3, shared = "yes")]
async fn flaky() -> Result<String, ToolError> {
    Ok("ok".into())
}

fn main() {}
