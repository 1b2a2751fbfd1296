use sturdy::prelude::*;

// Without `window`, the runtime's default window (20 calls) bounds `min_calls`.
#[circuit_breaker(failure_rate = 0.5, min_calls = 30)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
