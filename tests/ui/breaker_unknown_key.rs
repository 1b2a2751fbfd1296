use sturdy::prelude::*;

#[circuit_breaker(treshold = 3)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
