//! The small pieces every handler's answer is made of.

use crate::protocol::jsonrpc::{self, RpcError};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

/// A request's params as values.
pub(super) type Params = Map<String, Value>;

pub(super) fn invalid_params(message: impl Into<String>) -> RpcError {
    RpcError::new(jsonrpc::INVALID_PARAMS, message)
}

/// A result, serialised.
pub(super) fn raw(result: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(result).expect("a JSON value serialises")
}

pub(super) fn with_result_type(mut result: Value) -> Value {
    if let Value::Object(m) = &mut result {
        // An `input_required` result has its own.
        m.entry("resultType").or_insert_with(|| json!("complete"));
    }
    result
}
