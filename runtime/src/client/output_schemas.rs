//! Tool results checked against the tool's `outputSchema` (with the `client` feature): a server
//! that declares an output schema must return `structuredContent` that conforms to it, and a
//! result that does not is a protocol error rather than data the application trusts.

use serde_json::Value;
#[cfg(feature = "client")]
use std::collections::HashMap;
#[cfg(feature = "client")]
use std::sync::{Arc, Mutex};

/// Output schemas kept, at most (a server listing more has the rest unchecked).
#[cfg(feature = "client")]
const MAX_SCHEMAS: usize = 10_000;

/// The compiled output schema of each tool listed.
#[derive(Default)]
pub(super) struct OutputSchemas {
    #[cfg(feature = "client")]
    schemas: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

impl OutputSchemas {
    /// Keeps tool `name`'s `outputSchema` (a schema that does not compile is not checked).
    pub(super) fn learn(&self, name: &str, schema: Option<&Value>) {
        #[cfg(feature = "client")]
        {
            let mut schemas = self.schemas.lock().unwrap_or_else(|p| p.into_inner());
            match schema.and_then(|s| jsonschema::validator_for(s).ok()) {
                Some(validator) if schemas.len() < MAX_SCHEMAS || schemas.contains_key(name) => {
                    schemas.insert(name.to_owned(), Arc::new(validator));
                }
                _ => {
                    schemas.remove(name);
                }
            }
        }
        #[cfg(not(feature = "client"))]
        let _ = (name, schema);
    }

    /// Why `result` of tool `name` breaks its output schema, if it does (a tool error is not
    /// checked).
    pub(super) fn check(&self, name: &str, result: &Value) -> Option<String> {
        #[cfg(feature = "client")]
        {
            let validator = {
                let schemas = self.schemas.lock().unwrap_or_else(|p| p.into_inner());
                schemas.get(name).cloned()
            }?;
            if result["isError"] == true {
                return None;
            }
            let Some(structured) = result.get("structuredContent") else {
                return Some(
                    "no structuredContent, though the tool declares an outputSchema".into(),
                );
            };
            let why = validator.iter_errors(structured).next().map(|e| {
                format!(
                    "its structuredContent breaks its outputSchema: {e} (at {})",
                    e.instance_path
                )
            });
            why
        }
        #[cfg(not(feature = "client"))]
        {
            let _ = (name, result);
            None
        }
    }
}
