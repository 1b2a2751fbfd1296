use sturdy::prelude::*;

#[retry(max = -1)]
async fn call() -> Result<(), ToolError> {
    Ok(())
}

fn main() {
    let _ = call();
}
