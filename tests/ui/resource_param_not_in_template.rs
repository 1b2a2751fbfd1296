use sturdy::prelude::*;

#[resource(template = "users://{id}")]
fn user(id: u32, verbose: bool) -> String {
    format!("{id} {verbose}")
}

fn main() {}
