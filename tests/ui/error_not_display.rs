use sturdy::prelude::*;

#[derive(Debug)]
struct Oops;

#[tool]
fn risky(fail: bool) -> Result<String, Oops> {
    if fail {
        Err(Oops)
    } else {
        Ok("fine".into())
    }
}

fn main() {}
