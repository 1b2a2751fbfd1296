use sturdy::prelude::*;

#[derive(Debug)]
struct MyError;

#[retry(max = 2)]
async fn fetch(n: u32) -> Result<u32, MyError> {
    Ok(n)
}

fn main() {}
