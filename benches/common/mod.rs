//! The hand-written baseline the transport benches compare sturdy with.

use serde_json::{json, Value};

/// What a hand-written server answers to the benches' `tools/call add` request: the same
/// response shape as sturdy's (a text copy and `structuredContent`), with no framework around it.
pub fn floor_response(request: &Value) -> Value {
    let args = &request["params"]["arguments"];
    let sum = args["a"].as_i64().unwrap() + args["b"].as_i64().unwrap();
    let structured = json!({ "result": sum });
    json!({
        "jsonrpc": "2.0",
        "id": request["id"],
        "result": {
            "content": [{ "type": "text", "text": structured.to_string() }],
            "structuredContent": structured,
        }
    })
}
