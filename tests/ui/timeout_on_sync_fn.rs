use sturdy::prelude::*;

#[timeout(5)]
fn blocking_call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = blocking_call();
}
