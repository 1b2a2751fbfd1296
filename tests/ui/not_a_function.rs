use sturdy::prelude::*;

#[tool]
struct NotAFunction;

fn main() {
    let _ = NotAFunction;
}
