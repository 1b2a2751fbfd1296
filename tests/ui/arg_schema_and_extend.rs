use sturdy::prelude::*;

#[tool]
fn code(#[arg(schema = {"type": "string"}, extend = {"minLength": 3})] code: String) -> String {
    code
}

fn main() {}
