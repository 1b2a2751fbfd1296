use sturdy::prelude::*;

#[circuit_breaker(failure_rate = 0.5, window = 10, min_calls = 20)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
