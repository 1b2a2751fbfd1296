use sturdy::prelude::*;

#[resource(mime_type = "text/plain")]
fn readme() -> String {
    "hi".into()
}

fn main() {}
