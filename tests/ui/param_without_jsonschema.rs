use serde::Deserialize;
use sturdy::prelude::*;

#[derive(Deserialize)]
struct Point {
    x: i64,
    y: i64,
}

#[tool]
fn norm(p: Point) -> i64 {
    p.x * p.x + p.y * p.y
}

fn main() {}
