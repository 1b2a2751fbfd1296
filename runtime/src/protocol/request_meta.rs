//! What every stateless (2026-07-28) request carries in `params._meta`: the revision it speaks and
//! the client's capabilities (its identity, `clientInfo`, is optional). There is no handshake, so a
//! request without them cannot be understood.

use super::capabilities::ClientCapabilities;
use super::json_key::JsonKey;
use super::jsonrpc::{self, RpcError};
use super::logging::LogLevel;
use super::version::{
    META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_LOG_LEVEL, META_PROTOCOL_VERSION,
};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// A JSON string as text (borrowed unless it has escapes); `None` for anything else.
fn text(raw: &RawValue) -> Option<Cow<'_, str>> {
    match serde_json::from_str::<&str>(raw.get()) {
        Ok(text) => Some(Cow::Borrowed(text)),
        Err(_) => serde_json::from_str::<String>(raw.get())
            .ok()
            .map(Cow::Owned),
    }
}

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
    /// [`META_CLIENT_INFO`].
    pub(crate) client_info: Option<&'a RawValue>,
    /// `traceparent`: the caller's W3C trace context (SEP-414).
    pub(crate) traceparent: Option<&'a RawValue>,
    /// `tracestate`, with it.
    pub(crate) tracestate: Option<&'a RawValue>,
}

impl<'a> MetaKeys<'a> {
    /// Reads `_meta`; `None` when it is not an object.
    pub(crate) fn read(meta: &'a RawValue) -> Option<Self> {
        let mut de = serde_json::Deserializer::from_str(meta.get());
        de.deserialize_map(MetaVisitor).ok()
    }

    /// The revision named, when it is a string.
    pub(crate) fn version(&self) -> Option<Cow<'a, str>> {
        self.protocol_version.and_then(text)
    }

    /// Whether a progress token other than `null` was sent.
    pub(crate) fn wants_progress(&self) -> bool {
        self.progress_token.is_some_and(|t| t.get() != "null")
    }

    /// The progress token, as sent (`null` included).
    pub(crate) fn progress_token(&self) -> Option<Value> {
        self.progress_token
            .map(|raw| serde_json::from_str(raw.get()).unwrap_or(Value::Null))
    }

    /// The log level asked for, when it names one.
    pub(crate) fn log_level(&self) -> Option<LogLevel> {
        self.log_level
            .and_then(text)
            .and_then(|level| LogLevel::parse(&level))
    }

    /// The client's name from its `clientInfo`, when it is a string.
    pub(crate) fn client_name(&self) -> Option<Cow<'a, str>> {
        #[derive(serde::Deserialize)]
        struct Info<'a> {
            #[serde(borrow)]
            name: Option<Cow<'a, str>>,
        }
        let raw = self.client_info?;
        if !raw.get().starts_with('{') {
            return None;
        }
        serde_json::from_str::<Info>(raw.get()).ok()?.name
    }

    /// The caller's trace context, when given as strings without escapes (as W3C trace context
    /// always is: a value with escapes is not one). `traceparent` may still hold a backslash:
    /// its reader takes hex digits and dashes only.
    #[cfg(feature = "otel")]
    pub(crate) fn trace_context(&self) -> (Option<&'a str>, Option<&'a str>) {
        // A raw value is valid JSON without surrounding space: a string's text is between its
        // quotes (read on every traced request: no deserializer for it).
        let text = |raw: Option<&'a RawValue>| raw?.get().strip_prefix('"')?.strip_suffix('"');
        let state = text(self.tracestate).filter(|s| !s.contains('\\'));
        (text(self.traceparent), state)
    }

    /// The capabilities the client declared (none when absent or not an object).
    pub(crate) fn capabilities(&self) -> ClientCapabilities {
        let declared: Option<Value> = self
            .client_capabilities
            .and_then(|raw| serde_json::from_str(raw.get()).ok());
        ClientCapabilities::from_json(declared.as_ref())
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
                META_CLIENT_INFO => &mut keys.client_info,
                "traceparent" => &mut keys.traceparent,
                "tracestate" => &mut keys.tracestate,
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

/// `Ok` when the request's `params._meta` (what [`MetaKeys::read`] found; `None`: no `_meta`
/// object) carries both required keys, else the -32602 error naming what is missing.
pub(crate) fn check_stateless_keys(meta: Option<&MetaKeys>) -> Result<(), RpcError> {
    match meta {
        None => Err(not_an_object()),
        Some(m) => required_present(|key| match key {
            META_PROTOCOL_VERSION => m.protocol_version.is_some(),
            _ => m.client_capabilities.is_some(),
        }),
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
        let check = |meta: &Value| {
            let text = meta.to_string();
            check_stateless_keys(keys(&text).as_ref())
        };
        assert!(check(&full).is_ok());
        for absent in [META_PROTOCOL_VERSION, META_CLIENT_CAPABILITIES] {
            let mut meta = full.clone();
            meta.as_object_mut().unwrap().remove(absent);
            let err = check(&meta).unwrap_err();
            assert_eq!(err.code, jsonrpc::INVALID_PARAMS);
            assert!(err.message.contains(absent), "{}", err.message);
        }
        for not_an_object in [json!(null), json!([1]), json!("x")] {
            let err = check(&not_an_object).unwrap_err();
            assert_eq!(err.code, jsonrpc::INVALID_PARAMS);
        }
    }

    /// Plain strings are read as they are; escaped ones, and other kinds, are no trace context.
    #[cfg(feature = "otel")]
    #[test]
    fn the_trace_context_is_a_plain_string() {
        let plain = r#"{"traceparent":"00-ab-cd-01","tracestate":"a=b,c=d"}"#;
        assert_eq!(
            keys(plain).unwrap().trace_context(),
            (Some("00-ab-cd-01"), Some("a=b,c=d"))
        );
        let odd = r#"{"traceparent":7,"tracestate":"a=\u0062"}"#;
        assert_eq!(keys(odd).unwrap().trace_context(), (None, None));
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
        assert_eq!(k.version().as_deref(), Some("2026-07-28"));
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
        assert_eq!(k.version().as_deref(), Some("2026-07-28"));
        assert!(!k.wants_progress());
        assert!(check_stateless_keys(Some(&k)).is_ok());
        // What call_tool reads: the client's name, the log level, the capabilities.
        let k = keys(
            r#"{"io.modelcontextprotocol/clientInfo":{"name":"cl\u0069","version":"1"},
                "io.modelcontextprotocol/logLevel":"warning",
                "io.modelcontextprotocol/clientCapabilities":{"sampling":{},"roots":1}}"#,
        )
        .unwrap();
        assert_eq!(k.client_name().as_deref(), Some("cli"));
        assert_eq!(k.log_level(), Some(LogLevel::Warning));
        let caps = k.capabilities();
        assert!(caps.sampling && !caps.roots && !caps.elicitation);
        assert_eq!(k.progress_token(), None);
        let k =
            keys(r#"{"io.modelcontextprotocol/clientInfo":["x"],"progressToken":"t"}"#).unwrap();
        assert_eq!(k.client_name(), None);
        assert_eq!(k.progress_token(), Some(json!("t")));
        for not_an_object in ["null", "[1]", r#""x""#, "3"] {
            assert!(keys(not_an_object).is_none(), "{not_an_object}");
        }
        assert!(check_stateless_keys(None).is_err());
    }
}
