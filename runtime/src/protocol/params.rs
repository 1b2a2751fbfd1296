//! A request's `params`, read once: every member into a map of values, except `arguments`, which
//! stays raw JSON borrowed from the message so that a tool call deserialises each argument
//! straight into its parameter's type (no `Value` tree built for the arguments and torn down),
//! and `_meta`, of which only the keys routing needs are read ([`MetaKeys`]).

use super::json_key::JsonKey;
use super::jsonrpc::{self, RpcError};
use super::request_meta::MetaKeys;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::fmt;

/// The `params` of one request.
#[derive(Debug, Default)]
pub(crate) struct RequestParams<'a> {
    /// Every member but `arguments`, `_meta` and a plain string `name`.
    pub(crate) members: Map<String, Value>,
    /// `name` when it is a string without escapes (as nearly every tool's and prompt's name is),
    /// borrowed from the message: a tool call's params then need no map entry at all. Any other
    /// `name` is among the `members`; read it with [`name`](Self::name).
    pub(crate) plain_name: Option<&'a str>,
    /// `arguments`, as the client wrote it (a member given twice: the last one, as in a map).
    pub(crate) arguments: Option<&'a RawValue>,
    /// `_meta`, as the client wrote it.
    pub(crate) meta: Option<&'a RawValue>,
    /// What routing reads of `_meta` (`None`: absent, or not an object). Boxed: most requests
    /// have no `_meta`, and the params are moved whole from the reader to the handler.
    pub(crate) meta_keys: Option<Box<MetaKeys<'a>>>,
}

impl<'a> RequestParams<'a> {
    /// Reads `params` (absent or `null`: empty); anything but an object is invalid params.
    pub(crate) fn read(params: Option<&'a RawValue>) -> Result<Self, RpcError> {
        let Some(raw) = params else {
            return Ok(Self::default());
        };
        let mut de = serde_json::Deserializer::from_str(raw.get());
        de.deserialize_any(ParamsVisitor).map_err(|_| {
            RpcError::new(
                jsonrpc::INVALID_PARAMS,
                "Invalid params: \"params\" must be an object",
            )
        })
    }

    /// The `name` member, when it is a string.
    pub(crate) fn name(&self) -> Option<&str> {
        self.plain_name
            .or_else(|| self.members.get("name").and_then(Value::as_str))
    }

    /// The member `key` (not `arguments` nor `_meta`), when it is a string.
    pub(crate) fn str_member(&self, key: &str) -> Option<&str> {
        match key {
            "name" => self.name(),
            _ => self.members.get(key).and_then(Value::as_str),
        }
    }

    /// All members as one map, `arguments` and `_meta` parsed among them: for the methods that
    /// read them as values (`prompts/get`).
    pub(crate) fn into_map(self) -> Result<Map<String, Value>, RpcError> {
        let mut members = self.members;
        if let Some(name) = self.plain_name {
            members.insert("name".to_owned(), Value::String(name.to_owned()));
        }
        for (key, raw) in [("arguments", self.arguments), ("_meta", self.meta)] {
            let Some(raw) = raw else { continue };
            let value = serde_json::from_str(raw.get()).map_err(|e| {
                RpcError::new(
                    jsonrpc::INVALID_PARAMS,
                    format!("Invalid params: {key}: {e}"),
                )
            })?;
            members.insert(key.to_owned(), value);
        }
        Ok(members)
    }
}

/// `params` read straight from a message's deserializer (an object or `null`; anything else is
/// an error), for reading them in the same pass as the envelope.
pub(crate) fn deserialize_params<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<RequestParams<'de>>, D::Error> {
    deserializer.deserialize_any(ParamsVisitor).map(Some)
}

struct ParamsVisitor;

impl<'de> Visitor<'de> for ParamsVisitor {
    type Value = RequestParams<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(RequestParams::default())
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut params = RequestParams::default();
        while let Some(JsonKey(key)) = map.next_key()? {
            match key.as_ref() {
                "arguments" => params.arguments = Some(map.next_value()?),
                "_meta" => params.meta = Some(map.next_value()?),
                "name" => {
                    let raw: &RawValue = map.next_value()?;
                    params.plain_name = None;
                    match plain_string(raw.get()) {
                        Some(name) => {
                            params.members.remove("name");
                            params.plain_name = Some(name);
                        }
                        None => {
                            let value =
                                serde_json::from_str(raw.get()).map_err(de::Error::custom)?;
                            params.members.insert("name".to_owned(), value);
                        }
                    }
                }
                _ => {
                    params.members.insert(key.into_owned(), map.next_value()?);
                }
            }
        }
        params.meta_keys = params.meta.and_then(MetaKeys::read).map(Box::new);
        Ok(params)
    }
}

/// The text of a JSON string written without escapes, borrowed; `None` for anything else.
fn plain_string(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<RequestParams<'_>, RpcError> {
        let raw: &RawValue = serde_json::from_str(text).unwrap();
        RequestParams::read(Some(raw))
    }

    #[test]
    fn arguments_stay_raw_and_the_rest_is_read() {
        let p = read(r#"{"name":"add","arguments":{"a": 1,"b":2},"_meta":{"k":[1]}}"#).unwrap();
        assert_eq!(p.arguments.unwrap().get(), r#"{"a": 1,"b":2}"#);
        assert_eq!(p.name(), Some("add"));
        assert_eq!(p.meta.unwrap().get(), r#"{"k":[1]}"#);
        assert!(p.meta_keys.is_some());
        assert!(!p.members.contains_key("arguments"));
        assert!(!p.members.contains_key("_meta"));
        let map = read(r#"{"name":"add","_meta":{"k":[1]}}"#)
            .unwrap()
            .into_map()
            .unwrap();
        assert_eq!(map["_meta"]["k"][0], 1);
        // An escaped key is the key it stands for; the last of two counts.
        let p = read(r#"{"argum\u0065nts":{"a":1},"arguments":{"a":2}}"#).unwrap();
        assert_eq!(p.arguments.unwrap().get(), r#"{"a":2}"#);
        assert_eq!(
            p.into_map().unwrap()["arguments"],
            serde_json::json!({"a": 2})
        );
    }

    #[test]
    fn a_plain_name_is_borrowed_and_any_other_kept_as_a_value() {
        let p = read(r#"{"name":"add"}"#).unwrap();
        assert_eq!((p.plain_name, p.name()), (Some("add"), Some("add")));
        assert!(p.members.is_empty());
        assert_eq!(p.into_map().unwrap()["name"], "add");
        // Escaped: the text it stands for, as a value.
        let p = read(r#"{"name":"\u0061dd"}"#).unwrap();
        assert_eq!((p.plain_name, p.name()), (None, Some("add")));
        assert_eq!(p.str_member("name"), Some("add"));
        // Not a string: no name, the value kept for whoever says why.
        let p = read(r#"{"name":7,"uri":"x"}"#).unwrap();
        assert_eq!(p.name(), None);
        assert_eq!(p.members["name"], 7);
        assert_eq!(p.str_member("uri"), Some("x"));
        // The last of two counts, whichever kind each is.
        let p = read(r#"{"name":7,"name":"b"}"#).unwrap();
        assert_eq!((p.name(), p.members.get("name")), (Some("b"), None));
        let p = read(r#"{"name":"a","name":null}"#).unwrap();
        assert_eq!((p.plain_name, p.name()), (None, None));
        assert_eq!(p.into_map().unwrap()["name"], Value::Null);
    }

    #[test]
    fn only_an_object_or_null_is_params() {
        assert!(read("null").unwrap().members.is_empty());
        for bad in ["[1]", "7", "\"x\"", "true"] {
            assert_eq!(
                read(bad).unwrap_err().code,
                jsonrpc::INVALID_PARAMS,
                "{bad}"
            );
        }
        // A member whose value cannot be a `Value` (a number out of range) is refused too.
        assert_eq!(
            read(r#"{"x":1e400}"#).unwrap_err().code,
            jsonrpc::INVALID_PARAMS
        );
    }
}
