use sturdy::prelude::*;

#[tool(deferred_task)]
async fn report(ctx: Context) -> String {
    ctx.begin_task().await;
    "done".into()
}

fn main() {}
