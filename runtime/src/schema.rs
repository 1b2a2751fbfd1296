//! JSON Schemas of tool inputs and outputs, generated from the Rust types with `schemars` and
//! normalised for strict clients:
//! - input schemas close the object (`additionalProperties: false`): unknown arguments are
//!   rejected anyway;
//! - draft 2020-12, no `$schema` URL (some clients try to fetch it), nested types under `$defs`;
//! - nullable values as `anyOf [.., {"type": "null"}]` rather than type arrays, which several
//!   LLM providers reject;
//! - only standard `format` values (`int64`, `uint8`, … are dropped: strict validators reject
//!   unknown formats, and the range is already in `minimum`/`maximum`);
//! - no boolean subschemas: `true` (what schemars writes for `serde_json::Value`) becomes `{}`.
//!   The 2025 revisions of the MCP schema require each entry of `properties` to be an object, and
//!   the official TypeScript SDK rejects a whole `tools/list` over one `true`; `{}` means the same
//!   in every revision and dialect. `false` stays where schemars writes it
//!   (`additionalProperties: false`, which every revision and LLM provider accepts).

use crate::tool::ParamDef;
use schemars::generate::{Contract, SchemaSettings};
use schemars::{Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

/// A schema generator with sturdy's settings, for input (`Deserialize`) or output (`Serialize`).
pub(crate) fn generator(contract: Contract) -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.meta_schema = None;
            s.contract = contract;
        })
        .into_generator()
}

/// The `inputSchema` of a tool: an object with one property per parameter.
pub(crate) fn input_schema(params: &[ParamDef], defaults: &[(&str, Value)]) -> Value {
    let mut generator = generator(Contract::Deserialize);
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in params {
        let mut s = (p.schema)(&mut generator).to_value();
        // `true` (any value) would have nowhere to put the description.
        if s == Value::Bool(true) {
            s = json!({});
        }
        if let Value::Object(obj) = &mut s {
            if let Some(d) = p.description {
                obj.insert("description".into(), d.into());
            }
            if let Some((_, default)) = defaults.iter().find(|(n, _)| *n == p.name) {
                obj.insert("default".into(), default.clone());
            }
        }
        if p.required {
            required.push(Value::from(p.name));
        }
        properties.insert(p.name.to_owned(), s);
    }
    // Unknown arguments are rejected, so the schema says so (strict clients also require it).
    let mut root =
        json!({ "type": "object", "properties": properties, "additionalProperties": false });
    if !required.is_empty() {
        root["required"] = Value::Array(required);
    }
    finish(root, &mut generator)
}

/// The `outputSchema` of a tool, and whether values must be wrapped as `{"result": value}`
/// because their schema is not an object.
pub(crate) fn output_schema(
    schema_fn: fn(&mut SchemaGenerator) -> Option<Schema>,
) -> Option<(Value, bool)> {
    let mut generator = generator(Contract::Serialize);
    let mut s = schema_fn(&mut generator)?.to_value();
    // The value's own schema may be a `$ref` to an object definition.
    let root_def = s
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .map(str::to_owned);
    let target = match &root_def {
        Some(name) => generator
            .definitions()
            .get(name)
            .cloned()
            .unwrap_or(Value::Null),
        None => s.clone(),
    };
    let is_object = target.get("type").and_then(Value::as_str) == Some("object");
    if is_object {
        // Inline the root definition so the schema reads `type: object` at the top, as MCP
        // requires; keep it in `$defs` only if something (a recursive type) still refers to it.
        if let Some(name) = root_def {
            s = target;
            let reference = format!("\"#/$defs/{name}\"");
            let defs = generator.definitions_mut();
            let referenced = defs.iter().any(|(_, d)| d.to_string().contains(&reference))
                || s.to_string().contains(&reference);
            if !referenced {
                defs.remove(&name);
            }
        }
        Some((finish(s, &mut generator), false))
    } else {
        let root = json!({
            "type": "object",
            "properties": { "result": s },
            "required": ["result"],
        });
        Some((finish(root, &mut generator), true))
    }
}

/// The JSON Schema 2020-12 meta-schema, for tools that declare their dialect.
pub const DIALECT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// Names the dialect at the root (`"$schema"`), for `#[tool(schema_dialect)]`.
pub(crate) fn declare_dialect(schema: &mut Value) {
    if let Value::Object(m) = schema {
        m.insert("$schema".into(), Value::from(DIALECT_2020_12));
    }
}

fn finish(mut root: Value, generator: &mut SchemaGenerator) -> Value {
    let defs = generator.take_definitions(true);
    if !defs.is_empty() {
        root["$defs"] = Value::Object(defs);
    }
    normalize(&mut root);
    root
}

const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// Keywords whose value is one subschema.
const SUBSCHEMA_KEYWORDS: &[&str] = &[
    "additionalProperties",
    "items",
    "additionalItems",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
];
/// Keywords whose value is a map of subschemas.
const SUBSCHEMA_MAP_KEYWORDS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
/// Keywords whose value is a list of subschemas.
const SUBSCHEMA_LIST_KEYWORDS: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];

/// Replaces the boolean schema `true` by its object form `{}` in every subschema position.
fn no_true_subschemas(obj: &mut Map<String, Value>) {
    fn fix(v: &mut Value) {
        if *v == Value::Bool(true) {
            *v = Value::Object(Map::new());
        }
    }
    for (key, value) in obj.iter_mut() {
        let key = key.as_str();
        if SUBSCHEMA_KEYWORDS.contains(&key) {
            fix(value);
        } else if SUBSCHEMA_MAP_KEYWORDS.contains(&key) {
            if let Value::Object(m) = value {
                m.values_mut().for_each(fix);
            }
        } else if SUBSCHEMA_LIST_KEYWORDS.contains(&key) {
            if let Value::Array(list) = value {
                list.iter_mut().for_each(fix);
            }
        }
    }
}

/// Rewrites schemars output into the shapes strict clients accept (see the module docs).
pub fn normalize(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            no_true_subschemas(obj);
            if let Some(Value::String(f)) = obj.get("format") {
                if !STANDARD_FORMATS.contains(&f.as_str()) {
                    obj.remove("format");
                }
            }
            if let Some(Value::Array(types)) = obj.get("type") {
                let types = types.clone();
                obj.remove("type");
                let (nulls, others): (Vec<Value>, Vec<Value>) =
                    types.into_iter().partition(|t| t == "null");
                // Annotation keywords stay on the outer schema, assertions move into the branch.
                let mut outer = Map::new();
                for key in ["description", "title", "default", "examples", "deprecated"] {
                    if let Some(x) = obj.remove(key) {
                        outer.insert(key.into(), x);
                    }
                }
                let mut branches: Vec<Value> = Vec::new();
                for (i, t) in others.iter().enumerate() {
                    let mut b = if i == 0 {
                        std::mem::take(obj)
                    } else {
                        Map::new()
                    };
                    b.insert("type".into(), t.clone());
                    branches.push(Value::Object(b));
                }
                if !nulls.is_empty() {
                    branches.push(json!({ "type": "null" }));
                }
                if branches.len() == 1 {
                    outer.extend(
                        branches
                            .pop()
                            .and_then(|b| match b {
                                Value::Object(m) => Some(m),
                                _ => None,
                            })
                            .unwrap_or_default(),
                    );
                } else {
                    outer.insert("anyOf".into(), Value::Array(branches));
                }
                *obj = outer;
            }
            for (key, child) in obj.iter_mut() {
                // Values, not schemas: a default or an example is sent as written.
                if !matches!(key.as_str(), "default" | "const" | "enum" | "examples") {
                    normalize(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_arrays_become_any_of() {
        let mut s = json!({"type": ["integer", "null"], "format": "int64", "minimum": 0, "description": "n"});
        normalize(&mut s);
        assert_eq!(
            s,
            json!({"description": "n", "anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]})
        );
    }

    #[test]
    fn true_subschemas_become_empty_objects() {
        let mut s = json!({
            "type": "object",
            "properties": {"any": true, "list": {"type": "array", "items": true}},
            "additionalProperties": false,
            "default": true,
            "$defs": {"Any": true, "Map": {"type": "object", "additionalProperties": true}},
            "anyOf": [true, {"const": true}]
        });
        normalize(&mut s);
        assert_eq!(
            s,
            json!({
                "type": "object",
                "properties": {"any": {}, "list": {"type": "array", "items": {}}},
                "additionalProperties": false,
                "default": true,
                "$defs": {"Any": {}, "Map": {"type": "object", "additionalProperties": {}}},
                "anyOf": [{}, {"const": true}]
            })
        );
    }

    #[test]
    fn standard_formats_stay() {
        let mut s = json!({"type": "string", "format": "date-time"});
        normalize(&mut s);
        assert_eq!(s, json!({"type": "string", "format": "date-time"}));
    }
}
