use sturdy::prelude::*;

#[tool(task, deferred_task)]
async fn report() -> String {
    "done".into()
}

fn main() {}
