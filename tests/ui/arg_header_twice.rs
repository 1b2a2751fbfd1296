use sturdy::prelude::*;

#[tool]
fn route(
    #[arg(header = "Region")] region: String,
    #[arg(header = "region")] fallback: String,
) -> String {
    format!("{region} {fallback}")
}

fn main() {}
