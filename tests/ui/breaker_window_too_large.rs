use sturdy::prelude::*;

// The largest window is the runtime's (`FailureRate::MAX_WINDOW`), checked when the program
// compiles.
#[circuit_breaker(failure_rate = 0.5, window = 20000)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
