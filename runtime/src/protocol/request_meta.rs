//! What every stateless (2026-07-28) request carries in `params._meta`: the revision it speaks and
//! the client's capabilities (its identity, `clientInfo`, is optional). There is no handshake, so a
//! request without them cannot be understood.

use super::jsonrpc::{self, RpcError};
use super::version::{META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION};
use serde_json::Value;

/// `Ok` when `meta` (the request's `params._meta`) is an object carrying both required keys, else
/// the -32602 error naming what is missing.
pub(crate) fn check_stateless_meta(meta: Option<&Value>) -> Result<(), RpcError> {
    let Some(Value::Object(meta)) = meta else {
        return Err(RpcError::new(
            jsonrpc::INVALID_PARAMS,
            format!(
                "Invalid params: a stateless request needs params._meta, an object carrying \
                 {META_PROTOCOL_VERSION:?} and {META_CLIENT_CAPABILITIES:?}"
            ),
        ));
    };
    let missing: Vec<&str> = [META_PROTOCOL_VERSION, META_CLIENT_CAPABILITIES]
        .into_iter()
        .filter(|key| !meta.contains_key(*key))
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
}
