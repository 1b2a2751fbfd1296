use sturdy::prelude::*;

#[cached(ttl = 60)]
#[retry(max = 2)]
async fn square(n: u64) -> u64 {
    n * n
}

fn main() {
    let _ = square(2);
}
