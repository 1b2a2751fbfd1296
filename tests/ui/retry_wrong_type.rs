use sturdy::prelude::*;

#[retry(jitter = "yes")]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
