//! What a batch run reports.

use crate::error::ToolError;
use serde::ser::SerializeMap;

/// The outcome of a batch: counts, and one result per job in input order.
///
/// Serializes as `{"total": …, "successful": …, "failed": …, "results": [...]}`, each result as
/// `{"index": 0, "ok": true, "value": …}` or
/// `{"index": 1, "ok": false, "error": "<kind>", "message": "…"}` (plus `retry_after` in seconds
/// when the error has one).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BatchReport<T> {
    /// Items processed.
    pub total: usize,
    /// Items that succeeded.
    pub successful: usize,
    /// Items that failed.
    pub failed: usize,
    /// Each item's outcome, in input order.
    pub results: Vec<ItemResult<T>>,
}

impl<T> BatchReport<T> {
    /// The failed items: `(index, error)`, in input order.
    pub fn failures(&self) -> impl Iterator<Item = (usize, &ToolError)> {
        self.results
            .iter()
            .filter_map(|r| r.result.as_ref().err().map(|e| (r.index, e)))
    }

    /// The successful values: `(index, value)`, in input order.
    pub fn values(&self) -> impl Iterator<Item = (usize, &T)> {
        self.results
            .iter()
            .filter_map(|r| r.result.as_ref().ok().map(|v| (r.index, v)))
    }
}

/// One job's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResult<T> {
    /// The job's position in the input.
    pub index: usize,
    /// The item's value or why it failed.
    pub result: Result<T, ToolError>,
}

impl<T: serde::Serialize> serde::Serialize for ItemResult<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("index", &self.index)?;
        match &self.result {
            Ok(value) => {
                m.serialize_entry("ok", &true)?;
                m.serialize_entry("value", value)?;
            }
            Err(e) => {
                m.serialize_entry("ok", &false)?;
                // The fields of an error tool result: error, message, retry_after, ...
                if let serde_json::Value::Object(fields) = e.to_json() {
                    for (k, v) in &fields {
                        m.serialize_entry(k, v)?;
                    }
                }
            }
        }
        m.end()
    }
}

/// The schema of the serialized report, so that a tool can return a [`BatchReport`] as its
/// structured result.
impl<T: schemars::JsonSchema> schemars::JsonSchema for BatchReport<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("BatchReport_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let value = generator.subschema_for::<T>();
        let count = schemars::json_schema!({"type": "integer", "minimum": 0});
        schemars::json_schema!({
            "type": "object",
            "properties": {
                "total": count,
                "successful": count,
                "failed": count,
                "results": {
                    "description": "One result per item, in input order.",
                    "type": "array",
                    "items": {
                        "anyOf": [
                            {
                                "type": "object",
                                "properties": {
                                    "index": count,
                                    "ok": {"const": true},
                                    "value": value,
                                },
                                "required": ["index", "ok", "value"],
                            },
                            {
                                "type": "object",
                                "properties": {
                                    "index": count,
                                    "ok": {"const": false},
                                    "error": {"type": "string", "description": "The error kind."},
                                    "message": {"type": "string"},
                                    "retry_after": {"type": "number", "description": "Seconds."},
                                },
                                "required": ["index", "ok", "error", "message"],
                            },
                        ],
                    },
                },
            },
            "required": ["total", "successful", "failed", "results"],
        })
    }
}
