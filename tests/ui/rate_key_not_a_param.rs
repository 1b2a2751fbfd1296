use sturdy::prelude::*;

#[rate_limited(10, 60, key = user)]
async fn call(account: String) -> Result<String, ToolError> {
    Ok(account)
}

fn main() {
    let _ = call(String::new());
}
