use sturdy::prelude::*;

#[circuit_breaker(failure_rate = 1.5)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
