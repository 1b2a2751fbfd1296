use sturdy::prelude::*;

#[tool(name = "has space")]
fn ping() -> String {
    "pong".into()
}

fn main() {}
