use sturdy::prelude::*;

#[circuit_breaker(threshold = 3, window = 10)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
