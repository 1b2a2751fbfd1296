use sturdy::prelude::*;

#[prompt]
fn pick(#[arg(complete = [1, 2, 3])] n: u32) -> String {
    n.to_string()
}

fn main() {}
