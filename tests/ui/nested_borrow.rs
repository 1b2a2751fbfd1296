use sturdy::prelude::*;

#[tool]
fn join(parts: Vec<&'static str>) -> String {
    parts.join(",")
}

fn main() {}
