use sturdy::prelude::*;

/// The scope is "public" or "private".
#[resource(uri = "reports://daily", cache_ttl = "1m", cache_scope = "shared")]
fn report() -> String {
    "report".into()
}

fn main() {}
