use sturdy::prelude::*;

#[cached(ttl = 60)]
async fn square(n: u64) -> u64 {
    n * n
}

fn main() {
    let _ = square(2);
}
