use schemars::JsonSchema;
use sturdy::prelude::*;

#[derive(JsonSchema)]
struct Opaque {
    value: i64,
}

#[tool]
fn make(value: i64) -> Opaque {
    Opaque { value }
}

fn main() {}
