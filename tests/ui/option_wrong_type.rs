use sturdy::prelude::*;

#[tool(read_only = "yes")]
fn ping() -> String {
    "pong".into()
}

fn main() {}
