use sturdy::prelude::*;

/// Scales a number.
#[tool]
#[cached]
async fn scale(x: f64) -> Result<f64, ToolError> {
    Ok(x * 2.0)
}

fn main() {}
