use sturdy::prelude::*;

#[retry(max = 3, base = 1, max = 5)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
