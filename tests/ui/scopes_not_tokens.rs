use sturdy::prelude::*;

#[tool(scopes = ["notes:read", "notes write"])]
fn add_note(text: String) -> String {
    text
}

#[prompt(scopes = "notes:read")]
fn note_prompt() -> String {
    "a note".into()
}

fn main() {}
