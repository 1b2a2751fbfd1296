//! The one reading of an incoming JSON-RPC message's envelope, shared by dispatch and by the HTTP
//! transport's routing: its members as raw JSON borrowed from the input (no allocation for the
//! envelope itself; `params` is parsed only once it is known to be wanted), and the id read
//! exactly as sent.

use super::jsonrpc::{self, RpcError};
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
        match serde_json::from_slice::<Envelope>(message) {
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
}
