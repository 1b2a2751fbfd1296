use std::cell::Cell;
use sturdy::prelude::*;

/// One counter per call would be wrong; one `Cell` shared by all calls cannot be.
#[tool]
async fn count(counter: State<Cell<u32>>) -> u32 {
    counter.get()
}

fn main() {}
