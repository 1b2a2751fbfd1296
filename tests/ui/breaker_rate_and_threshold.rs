use sturdy::prelude::*;

#[circuit_breaker(threshold = 3, failure_rate = 0.5)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
