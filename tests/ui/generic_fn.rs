use sturdy::prelude::*;

#[tool]
fn echo<T: serde::Serialize>(value: i64) -> i64 {
    value
}

fn main() {}
