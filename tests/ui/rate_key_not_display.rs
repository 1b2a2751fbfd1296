use sturdy::prelude::*;

#[derive(Clone)]
struct Region(u8);

#[rate_limited(10, 60, key = region)]
async fn forecast(region: Region) -> Result<u8, ToolError> {
    Ok(region.0)
}

fn main() {}
