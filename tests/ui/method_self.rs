use sturdy::prelude::*;

struct Calculator;

impl Calculator {
    #[tool]
    fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }
}

fn main() {
    // The method is still emitted: `self` is the only error.
    let _ = Calculator.add(1, 2);
}
