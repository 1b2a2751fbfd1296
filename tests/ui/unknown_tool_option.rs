use sturdy::prelude::*;

#[tool(nme = "x")]
fn ping() -> String {
    "pong".into()
}

fn main() {}
