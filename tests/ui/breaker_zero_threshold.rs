use sturdy::prelude::*;

#[circuit_breaker(threshold = 0, recovery = 30)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
