use sturdy::prelude::*;

#[timeout("5 parsecs")]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
