//! What every stateless (2026-07-28) request carries in `params._meta`: the revision it speaks and
//! the client's capabilities (its identity, `clientInfo`, is optional). There is no handshake, so a
//! request without them cannot be understood.

use super::jsonrpc::{self, RpcError};
use super::params::JsonKey;
use super::version::{META_CLIENT_CAPABILITIES, META_LOG_LEVEL, META_PROTOCOL_VERSION};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;
use std::fmt;

/// The members of a request's `params._meta` that routing looks at, raw and borrowed from the
/// message (a member given twice: the last one, as in a map); the rest is skipped unread.
#[derive(Debug, Default)]
pub(crate) struct MetaKeys<'a> {
    /// The revision the request speaks ([`META_PROTOCOL_VERSION`]); `null` is kept.
    pub(crate) protocol_version: Option<&'a RawValue>,
    /// [`META_CLIENT_CAPABILITIES`]; `null` is kept.
    pub(crate) client_capabilities: Option<&'a RawValue>,
    /// `progressToken`.
    pub(crate) progress_token: Option<&'a RawValue>,
    /// [`META_LOG_LEVEL`].
    pub(crate) log_level: Option<&'a RawValue>,
}

impl<'a> MetaKeys<'a> {
    /// Reads `_meta`; `None` when it is not an object.
    pub(crate) fn read(meta: &'a RawValue) -> Option<Self> {
        let mut de = serde_json::Deserializer::from_str(meta.get());
        de.deserialize_map(MetaVisitor).ok()
    }

    /// The revision named, when it is a string.
    pub(crate) fn version(&self) -> Option<&'a str> {
        self.protocol_version
            .and_then(|raw| serde_json::from_str::<&str>(raw.get()).ok())
    }

    /// Whether a progress token other than `null` was sent.
    pub(crate) fn wants_progress(&self) -> bool {
        self.progress_token.is_some_and(|t| t.get() != "null")
    }
}

struct MetaVisitor;

impl<'de> Visitor<'de> for MetaVisitor {
    type Value = MetaKeys<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut keys = MetaKeys::default();
        while let Some(JsonKey(key)) = map.next_key()? {
            let slot = match key.as_ref() {
                META_PROTOCOL_VERSION => &mut keys.protocol_version,
                META_CLIENT_CAPABILITIES => &mut keys.client_capabilities,
                "progressToken" => &mut keys.progress_token,
                META_LOG_LEVEL => &mut keys.log_level,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(keys)
    }
}

/// [`check_stateless_meta`] on what [`MetaKeys::read`] found (`None`: no `_meta` object).
pub(crate) fn check_stateless_keys(meta: Option<&MetaKeys>) -> Result<(), RpcError> {
    match meta {
        None => Err(not_an_object()),
        Some(m) => required_present(|key| match key {
            META_PROTOCOL_VERSION => m.protocol_version.is_some(),
            _ => m.client_capabilities.is_some(),
        }),
    }
}

/// `Ok` when `meta` (the request's `params._meta`) is an object carrying both required keys, else
/// the -32602 error naming what is missing.
pub(crate) fn check_stateless_meta(meta: Option<&Value>) -> Result<(), RpcError> {
    match meta {
        Some(Value::Object(meta)) => required_present(|key| meta.contains_key(key)),
        _ => Err(not_an_object()),
    }
}

fn not_an_object() -> RpcError {
    RpcError::new(
        jsonrpc::INVALID_PARAMS,
        format!(
            "Invalid params: a stateless request needs params._meta, an object carrying \
             {META_PROTOCOL_VERSION:?} and {META_CLIENT_CAPABILITIES:?}"
        ),
    )
}

/// `Ok` when both required keys are there (`has` says), else the error naming what is missing.
fn required_present(has: impl Fn(&str) -> bool) -> Result<(), RpcError> {
    let missing: Vec<&str> = [META_PROTOCOL_VERSION, META_CLIENT_CAPABILITIES]
        .into_iter()
        .filter(|key| !has(key))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(RpcError::new(
            jsonrpc::INVALID_PARAMS,
            format!(
                "Invalid params: params._meta is missing {}",
                missing.join(" and ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_keys_are_required_and_client_info_is_not() {
        let full = json!({META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: {}});
        assert!(check_stateless_meta(Some(&full)).is_ok());
        for absent in [META_PROTOCOL_VERSION, META_CLIENT_CAPABILITIES] {
            let mut meta = full.clone();
            meta.as_object_mut().unwrap().remove(absent);
            let err = check_stateless_meta(Some(&meta)).unwrap_err();
            assert_eq!(err.code, jsonrpc::INVALID_PARAMS);
            assert!(err.message.contains(absent), "{}", err.message);
        }
        for not_an_object in [None, Some(json!(null)), Some(json!([1])), Some(json!("x"))] {
            let err = check_stateless_meta(not_an_object.as_ref()).unwrap_err();
            assert_eq!(err.code, jsonrpc::INVALID_PARAMS);
        }
    }

    fn keys(text: &str) -> Option<MetaKeys<'_>> {
        MetaKeys::read(serde_json::from_str(text).unwrap())
    }

    /// The raw reading finds what the `Value` one finds, and the check agrees with it.
    #[test]
    fn raw_keys_read_as_values_do() {
        let full = r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","x":[1,{"y":2}],
            "io.modelcontextprotocol/clientCapabilities":{},"progressToken":7,
            "io.modelcontextprotocol/logLevel":"debug"}"#;
        let k = keys(full).unwrap();
        assert_eq!(k.version(), Some("2026-07-28"));
        assert!(k.wants_progress());
        assert_eq!(k.log_level.unwrap().get(), r#""debug""#);
        assert!(check_stateless_keys(Some(&k)).is_ok());
        // Escaped keys are the keys they stand for; the last of two counts; null is kept.
        let k = keys(
            r#"{"io.modelcontextprotocol/protocolVersio\u006e":"2025-11-25",
                "io.modelcontextprotocol/protocolVersion":"2026-07-28",
                "io.modelcontextprotocol/clientCapabilities":null,"progressToken":null}"#,
        )
        .unwrap();
        assert_eq!(k.version(), Some("2026-07-28"));
        assert!(!k.wants_progress());
        assert!(check_stateless_keys(Some(&k)).is_ok());
        for text in [
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}"#,
            r#"{"io.modelcontextprotocol/clientCapabilities":{}}"#,
            r#"{}"#,
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            let by_value = check_stateless_meta(Some(&value)).unwrap_err();
            let by_keys = check_stateless_keys(keys(text).as_ref()).unwrap_err();
            assert_eq!(by_value.message, by_keys.message);
        }
        for not_an_object in ["null", "[1]", r#""x""#, "3"] {
            assert!(keys(not_an_object).is_none(), "{not_an_object}");
        }
        assert!(check_stateless_keys(None).is_err());
    }
}
