use sturdy::prelude::*;

#[prompt]
fn count() -> u32 {
    1
}

fn main() {}
