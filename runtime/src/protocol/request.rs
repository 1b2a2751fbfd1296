//! One incoming message, read once by the transport that received it and handed to dispatch
//! whole: a request or notification (its id, its [`Method`], its params), or a client's reply to
//! a request of ours. The checks every request passes whatever the transport (the `"2.0"`, the
//! method's text, the revision, a stateless request's `_meta`, whether the method is served
//! there) are made here, once: a transport that answers with an HTTP status makes them early
//! ([`Request::route`]), and dispatch finds them made.

use super::envelope::Envelope;
use super::jsonrpc::{self, RpcError};
use super::method::Method;
use super::params::RequestParams;
use super::request_meta::{check_stateless_keys, MetaKeys};
use super::version::Version;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;

/// An incoming message, read.
pub(crate) enum Incoming<'a> {
    /// A request (it has an id) or a notification (it has none).
    Request(Request<'a>),
    /// The client's answer to a request of ours (elicitation, sampling, …).
    Reply {
        /// The id of our request.
        id: Value,
        /// Its `result`, or its `error`.
        outcome: Result<Value, Value>,
    },
}

/// A request or notification: what it asks for and with what.
pub(crate) struct Request<'a> {
    /// `None`: a notification.
    pub(crate) id: Option<Value>,
    /// What it asks for; `Err`: a method this server does not know, by name.
    pub(crate) method: Result<Method, Cow<'a, str>>,
    /// Its params, read once.
    pub(crate) params: RequestParams<'a>,
    /// The revision it speaks and the checks it passed, once [`route`](Self::route) made them.
    routed: Option<Version>,
    /// What the sender's access token grants, when the transport checked one.
    pub(crate) grant: Option<std::sync::Arc<crate::grant::Grant>>,
    /// The trace context the transport's own headers carried (HTTP), if any.
    pub(crate) trace: Option<std::sync::Arc<super::TraceHeaders>>,
}

impl Request<'_> {
    /// What the transport attached to it, to hand over with its raw message.
    pub(crate) fn attached(&self) -> super::Attached {
        super::Attached {
            grant: self.grant.clone(),
            trace: self.trace.clone(),
        }
    }
}

impl<'a> Incoming<'a> {
    /// What the message is, from its envelope, its id (read already: see [`Envelope::id`]) and
    /// its params when the envelope's reading took them too. Errors in the order JSON-RPC asks
    /// about them: the version, the method, the params.
    pub(crate) fn read(
        envelope: &Envelope<'a>,
        id: Option<Value>,
        params: Option<RequestParams<'a>>,
    ) -> Result<Self, RpcError> {
        let jsonrpc = envelope.jsonrpc.map(RawValue::get);
        if jsonrpc != Some("\"2.0\"")
            && jsonrpc
                .and_then(|raw| serde_json::from_str::<String>(raw).ok())
                .as_deref()
                != Some("2.0")
        {
            return Err(RpcError::new(
                jsonrpc::INVALID_REQUEST,
                "Invalid request: \"jsonrpc\" must be \"2.0\"",
            ));
        }
        let name: Cow<'a, str> = match envelope.method.map(RawValue::get) {
            Some(raw) if raw.starts_with('"') => match serde_json::from_str::<&str>(raw) {
                Ok(m) => Cow::Borrowed(m),
                // Escapes: not borrowable.
                Err(_) => match serde_json::from_str::<String>(raw) {
                    Ok(m) => Cow::Owned(m),
                    // A lone surrogate escape: no method has one.
                    Err(_) => {
                        return Err(RpcError::new(
                            jsonrpc::INVALID_REQUEST,
                            "Invalid request: \"method\" is not a valid string",
                        ))
                    }
                },
            },
            // A response to a request of ours.
            None if envelope.result.is_some() || envelope.error.is_some() => {
                if let Some(id) = id {
                    let parse =
                        |raw: &RawValue| serde_json::from_str(raw.get()).unwrap_or_default();
                    let outcome = match (envelope.result, envelope.error) {
                        (Some(result), _) => Ok(parse(result)),
                        (None, error) => Err(error.map(parse).unwrap_or_default()),
                    };
                    return Ok(Incoming::Reply { id, outcome });
                }
                return Err(method_not_a_string());
            }
            _ => return Err(method_not_a_string()),
        };
        let params = match params {
            Some(read) => read,
            None => RequestParams::read(envelope.params)?,
        };
        let method = Method::parse(&name).ok_or(name);
        Ok(Incoming::Request(Request {
            id,
            method,
            params,
            routed: None,
            grant: None,
            trace: None,
        }))
    }
}

impl<'a> Request<'a> {
    /// What routing reads of `params._meta`.
    pub(crate) fn meta(&self) -> Option<&MetaKeys<'a>> {
        self.params.meta_keys.as_deref()
    }

    /// The method's name as the client wrote it.
    pub(crate) fn method_name(&self) -> &str {
        match &self.method {
            Ok(m) => m.as_str(),
            Err(name) => name,
        }
    }

    /// The method, when this server knows it.
    pub(crate) fn known(&self) -> Option<Method> {
        self.method.as_ref().ok().copied()
    }

    /// Whether it is a call of `method`.
    pub(crate) fn is(&self, method: Method) -> bool {
        self.method == Ok(method)
    }

    /// The revision this request speaks, checked: the one its `_meta` names (2026-07-28 and
    /// later), else `negotiated` (by `initialize`), else the newest stateful one (lenient for
    /// hand-written clients that skip the handshake). A stateless request must carry its
    /// `_meta` keys, and the method must exist in its revision. Made once: a later call
    /// returns what the first decided.
    pub(crate) fn route(&mut self, negotiated: Option<Version>) -> Result<Version, RpcError> {
        if let Some(version) = self.routed {
            return Ok(version);
        }
        let version = match self.meta().filter(|m| m.protocol_version.is_some()) {
            Some(meta) => {
                let requested = meta.version().unwrap_or_default();
                Version::parse(&requested).ok_or_else(|| Version::unsupported(&requested))?
            }
            None if self.is(Method::ServerDiscover) => Version::V2026_07_28,
            None => negotiated.unwrap_or(Version::LATEST_STATEFUL),
        };
        if version.is_stateless() {
            check_stateless_keys(self.meta())?;
        }
        if !self
            .known()
            .is_some_and(|m| m.is_served(version.is_stateless()))
        {
            return Err(RpcError::new(
                jsonrpc::METHOD_NOT_FOUND,
                format!("Method not found: {}", self.method_name()),
            ));
        }
        self.routed = Some(version);
        Ok(version)
    }
}

fn method_not_a_string() -> RpcError {
    RpcError::new(
        jsonrpc::INVALID_REQUEST,
        "Invalid request: \"method\" must be a string",
    )
}
