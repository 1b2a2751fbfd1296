use sturdy::prelude::*;

#[prompt]
fn greet(name: &str) -> String {
    format!("Hello {name}")
}

fn main() {}
