use sturdy::prelude::*;

struct Query {
    text: String,
}

#[retry(max = 2)]
async fn search(query: Query) -> Result<usize, ToolError> {
    Ok(query.text.len())
}

fn main() {}
