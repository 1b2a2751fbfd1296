//! The official JSON Schema of each MCP revision (tests/mcp-schema, vendored unchanged), to
//! validate what a server emits against the revision it speaks.

use jsonschema::Validator;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `tests/mcp-schema`: one directory per revision.
pub fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp-schema")
}

/// One revision's schema, with validators compiled on demand per definition.
pub struct Spec {
    revision: &'static str,
    doc: Value,
    defs: &'static str,
    validators: HashMap<String, Validator>,
}

impl Spec {
    pub fn load(revision: &'static str) -> Self {
        let text =
            std::fs::read_to_string(schema_dir().join(revision).join("schema.json")).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let defs = if doc.get("$defs").is_some() {
            "$defs"
        } else {
            "definitions"
        };
        Spec {
            revision,
            doc,
            defs,
            validators: HashMap::new(),
        }
    }

    pub fn has(&self, def: &str) -> bool {
        self.doc[self.defs].get(def).is_some()
    }

    pub fn check(&mut self, def: &str, instance: &Value) {
        assert!(self.has(def), "{} has no definition {def}", self.revision);
        let validator = self.validators.entry(def.to_owned()).or_insert_with(|| {
            let mut schema = self.doc.clone();
            schema["$ref"] = json!(format!("#/{}/{def}", self.defs));
            jsonschema::validator_for(&schema).expect("the official schema compiles")
        });
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{} {def} rejects {instance}:\n{}",
            self.revision,
            errors.join("\n")
        );
    }

    /// Checks one emitted message: the envelope, and the result against the definition of the
    /// method it answers.
    pub fn check_message(&mut self, msg: &Value, result_def: Option<&str>) {
        if self.revision == "2025-06-18" && msg.get("error").is_some() && msg.get("id").is_none() {
            // 2025-06-18 requires a string or integer id on every error, which an error about an
            // unreadable request cannot have (later revisions made it optional). Check the rest.
            let mut with_id = msg.clone();
            with_id["id"] = json!(0);
            return self.check_message(&with_id, result_def);
        }
        self.check("JSONRPCMessage", msg);
        if let Some(result) = msg.get("result") {
            let def = result_def.expect("a result answers a known method");
            self.check(def, result);
        } else if msg.get("error").is_some() {
            let def = if self.has("JSONRPCErrorResponse") {
                "JSONRPCErrorResponse"
            } else {
                "JSONRPCError"
            };
            self.check(def, msg);
        } else {
            self.check("ServerNotification", msg);
        }
    }
}
