use sturdy::prelude::*;

fn options() -> Vec<String> {
    vec![]
}

#[prompt]
fn pick(#[arg(complete = options)] n: u32) -> String {
    n.to_string()
}

fn main() {}
