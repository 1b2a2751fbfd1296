use sturdy::prelude::*;

#[cached(shared, per = client)]
async fn both(ctx: Context) -> String {
    ctx.client_id().to_owned()
}

#[cached(per = tenant)]
async fn per_what(x: u32) -> u32 {
    x
}

fn main() {}
