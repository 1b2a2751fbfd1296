use sturdy::prelude::*;

#[tool(name = "first", read_only, name = "second")]
fn ping() -> String {
    "pong".into()
}

fn main() {}
