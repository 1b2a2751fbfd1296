use sturdy::prelude::*;

#[tool]
fn shout(text: &str) -> String {
    text.to_uppercase()
}

fn main() {}
