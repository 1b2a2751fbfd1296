use sturdy::prelude::*;

#[resource(uri = "numbers://one")]
fn one() -> u32 {
    1
}

fn main() {}
