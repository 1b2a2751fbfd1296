use sturdy::prelude::*;

#[rate_limited(5_000_000_000, 60)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
