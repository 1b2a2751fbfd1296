use sturdy::prelude::*;

#[tool]
fn greet(#[arg(descripton = "who to greet")] name: String) -> String {
    format!("Hello, {name}!")
}

fn main() {
    // The function is still emitted: the option is the only error.
    let _ = greet("you".into());
}
