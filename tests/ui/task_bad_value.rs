use sturdy::prelude::*;

#[tool(task = "always")]
async fn report() -> String {
    "done".into()
}

fn main() {}
