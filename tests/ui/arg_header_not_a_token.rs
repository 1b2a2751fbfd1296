use sturdy::prelude::*;

#[tool]
fn route(#[arg(header = "Cloud Region")] region: String) -> String {
    region
}

fn main() {}
