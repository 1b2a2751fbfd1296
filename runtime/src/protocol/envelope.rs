//! The one reading of an incoming JSON-RPC message's envelope, shared by dispatch and by the HTTP
//! transport's routing: its members as raw JSON borrowed from the input (no allocation for the
//! envelope itself; `params` is parsed only once it is known to be wanted), and the id read
//! exactly as sent.

use super::jsonrpc::{self, RpcError};
use super::params::{deserialize_params, RequestParams};
use serde_json::value::RawValue;
use serde_json::Value;

/// The members of an incoming message that routing looks at.
#[derive(serde::Deserialize)]
pub(crate) struct Envelope<'a> {
    #[serde(borrow, default)]
    pub(crate) jsonrpc: Option<&'a RawValue>,
    /// `null` is kept (as raw `null`), to be refused: only an absent id makes a notification.
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) method: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) params: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) error: Option<&'a RawValue>,
}

/// A member that is there, `null` included (`Option`'s own impl reads `null` as absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue as serde::Deserialize>::deserialize(d).map(Some)
}

impl<'a> Envelope<'a> {
    /// Reads `message`, or says why it is no JSON-RPC message: -32700 (not JSON) or -32600 (not
    /// an object, or members of the wrong shape), to be answered without an id.
    pub(crate) fn read(message: &'a [u8]) -> Result<Self, RpcError> {
        const NOT_AN_OBJECT: &str =
            "Invalid request: expected a JSON-RPC object (batches are not part of MCP)";
        // A derived struct also reads from an array: only an object is a message.
        let is_object = message.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        let text = utf8(message)?;
        match serde_json::from_str::<Envelope>(text) {
            Ok(envelope) if is_object => Ok(envelope),
            Ok(_) => Err(RpcError::new(jsonrpc::INVALID_REQUEST, NOT_AN_OBJECT)),
            Err(e) if e.is_data() && is_object => Err(RpcError::new(
                jsonrpc::INVALID_REQUEST,
                format!("Invalid request: {e}"),
            )),
            Err(e) if e.is_data() => Err(RpcError::new(jsonrpc::INVALID_REQUEST, NOT_AN_OBJECT)),
            Err(e) => Err(RpcError::new(
                jsonrpc::PARSE_ERROR,
                format!("Parse error: {e}"),
            )),
        }
    }

    /// The id (`None`: a notification), or the error response to send when it cannot be used
    /// (see [`jsonrpc::read_id`]).
    pub(crate) fn id(&self) -> Result<Option<Value>, Vec<u8>> {
        match self.id {
            None => Ok(None),
            Some(raw) => jsonrpc::read_id(raw)
                .map(Some)
                .map_err(|err| jsonrpc::unreadable_id_response(raw, &err)),
        }
    }

    /// [`read`](Self::read), and the params with it in the same pass over the message when
    /// they are an object (or `null`). `None` for the params when they were not read so (absent,
    /// or anything unusual: of another type, a member that is no `Value`, a repeated member):
    /// then the envelope is read as [`read`](Self::read) reads it, and the params are left to
    /// [`RequestParams::read`], with the errors it gives.
    pub(crate) fn read_with_params(
        message: &'a [u8],
    ) -> Result<(Self, Option<RequestParams<'a>>), RpcError> {
        if message.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            let text = utf8(message)?;
            if let Ok(m) = serde_json::from_str::<WithParams>(text) {
                let envelope = Envelope {
                    jsonrpc: m.jsonrpc,
                    id: m.id,
                    method: m.method,
                    params: None,
                    result: m.result,
                    error: m.error,
                };
                return Ok((envelope, m.params));
            }
        }
        Self::read(message).map(|envelope| (envelope, None))
    }
}

/// The message as text, checked once: JSON is UTF-8, and every member then read from it (raw
/// values, strings) is borrowed without being checked again, as it would be from bytes.
fn utf8(message: &[u8]) -> Result<&str, RpcError> {
    std::str::from_utf8(message).map_err(|e| {
        RpcError::new(
            jsonrpc::PARSE_ERROR,
            format!("Parse error: the message is not UTF-8 ({e})"),
        )
    })
}

/// An [`Envelope`] whose params are read as it is.
#[derive(serde::Deserialize)]
struct WithParams<'a> {
    #[serde(borrow, default)]
    jsonrpc: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "deserialize_params")]
    params: Option<RequestParams<'a>>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the params say, read either way, for comparison.
    fn summary(p: &RequestParams) -> String {
        format!(
            "{:?} {:?} {:?} {:?} {:?}",
            p.members,
            p.plain_name,
            p.arguments.map(RawValue::get),
            p.meta.map(RawValue::get),
            p.meta_keys
                .as_ref()
                .map(|k| k.protocol_version.map(RawValue::get))
        )
    }

    /// One pass reads what two do; anything unusual is left to the two-pass reading, which
    /// says what is wrong as before.
    #[test]
    fn params_read_with_the_envelope_are_the_params_read_after_it() {
        let usual = [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add",
                "arguments":{"a":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"x"}}}"#,
            r#"{"params":null,"jsonrpc":"2.0","id":"a","method":"ping"}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#" {"jsonrpc":"2.0","id":2,"result":{}}"#,
        ];
        for text in usual {
            let (envelope, one_pass) = Envelope::read_with_params(text.as_bytes()).unwrap();
            let two_pass = Envelope::read(text.as_bytes()).unwrap();
            assert_eq!(
                envelope.id.map(RawValue::get),
                two_pass.id.map(RawValue::get)
            );
            assert_eq!(
                envelope.method.map(RawValue::get),
                two_pass.method.map(RawValue::get)
            );
            let read_after = RequestParams::read(two_pass.params).unwrap();
            let read_with = one_pass.unwrap_or_default();
            assert_eq!(summary(&read_with), summary(&read_after), "{text}");
        }
        let unusual = [
            r#"{"jsonrpc":"2.0","id":1,"method":"m","params":[1]}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"x":1e400}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"x":"\ud800"}}"#,
        ];
        for text in unusual {
            let (envelope, params) = Envelope::read_with_params(text.as_bytes()).unwrap();
            assert!(params.is_none(), "{text}");
            assert_eq!(envelope.id.map(RawValue::get), Some("1"));
            let err = RequestParams::read(envelope.params).unwrap_err();
            assert_eq!(err.code, jsonrpc::INVALID_PARAMS, "{text}");
        }
        // Not an object, or not JSON: the same errors as `read`.
        for text in ["[1]", "{", "7"] {
            let one = Envelope::read_with_params(text.as_bytes()).err().unwrap();
            let two = Envelope::read(text.as_bytes()).err().unwrap();
            assert_eq!((one.code, one.message), (two.code, two.message));
        }
    }
}
