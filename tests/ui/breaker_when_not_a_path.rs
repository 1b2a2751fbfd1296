use sturdy::prelude::*;

#[circuit_breaker(when = |e| true)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
