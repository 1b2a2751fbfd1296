//! Generated code must not make users' warnings-as-errors builds fail: this file denies every
//! warning and uses the attributes the way people write short functions (kept on one line: a
//! one-line body is what tripped `unused_braces`).
#![deny(warnings)]

use sturdy::prelude::*;

#[rustfmt::skip]
#[retry(max = 1, base = "1ms")]
async fn one_liner() -> Result<u32, ToolError> { Ok(1) }

#[rustfmt::skip]
#[cached]
#[circuit_breaker]
fn sync_one_liner(n: u32) -> Result<u32, ToolError> { Ok(n) }

/// A tool with a one-line body.
#[rustfmt::skip]
#[tool]
#[rate_limited(10, 60)]
async fn tool_one_liner(x: i64) -> Result<i64, ToolError> { Ok(x) }

#[tokio::test]
async fn short_functions_compile_without_warnings() {
    assert_eq!(one_liner().await, Ok(1));
    assert_eq!(sync_one_liner(2), Ok(2));
    assert_eq!(tool_one_liner(3).await, Ok(3));
}
