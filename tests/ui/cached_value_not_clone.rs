use sturdy::prelude::*;

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Forecast {
    celsius: i32,
}

/// Tomorrow's weather.
#[tool]
#[rate_limited(5, 60)]
#[cached]
async fn forecast(city: String) -> Result<Forecast, ToolError> {
    Ok(Forecast { celsius: city.len() as i32 })
}

fn main() {}
