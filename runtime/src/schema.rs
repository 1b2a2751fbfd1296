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

use crate::tool::{ParamDef, SchemaEdit};
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

/// The `inputSchema` of a tool: an object with one property per parameter, then the author's
/// keywords for the root (`extend`). Errors say what is wrong with what the author wrote.
pub(crate) fn input_schema(
    params: &[ParamDef],
    defaults: &[(&str, Value)],
    extend: Option<fn() -> Value>,
) -> Result<Value, String> {
    let mut generator = generator(Contract::Deserialize);
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in params {
        let mut s = match p.schema_edit {
            SchemaEdit::Replace(written) => written(),
            _ => (p.schema)(&mut generator).to_value(),
        };
        // `true` (any value) would have nowhere to put the description.
        if s == Value::Bool(true) {
            s = json!({});
        }
        let Value::Object(obj) = &mut s else {
            return Err(format!(
                "the schema of parameter `{}` must be a JSON object, not {s}",
                p.name
            ));
        };
        if let Some(d) = p.description {
            obj.entry("description").or_insert_with(|| d.into());
        }
        if let Some((_, default)) = defaults.iter().find(|(n, _)| *n == p.name) {
            obj.entry("default").or_insert_with(|| default.clone());
        }
        if let SchemaEdit::Extend(patch) = p.schema_edit {
            merge_patch(&mut s, patch());
        }
        if let Some(header) = p.header {
            check_mirrorable(&s, &generator, p.name)?;
            s["x-mcp-header"] = Value::from(header);
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
    Ok(finish(root, &mut generator, extend))
}

/// A value mirrored in a header is a string, an integer, a number or a boolean (SEP-2243): its
/// schema says so, directly or through one `$ref`.
fn check_mirrorable(s: &Value, generator: &SchemaGenerator, param: &str) -> Result<(), String> {
    let target = s
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| generator.definitions().get(name))
        .unwrap_or(s);
    match target.get("type").and_then(Value::as_str) {
        Some("string" | "integer" | "number" | "boolean") => Ok(()),
        _ => Err(format!(
            "parameter `{param}` is mirrored in a header, so its schema must have `type` string, \
             integer, number or boolean (found {target})"
        )),
    }
}

/// The `outputSchema` of a tool, and whether values must be wrapped as `{"result": value}`
/// because their schema is not an object. `Ok(None)` for tools whose results are text or content.
pub(crate) fn output_schema(
    schema_fn: fn(&mut SchemaGenerator) -> Option<Schema>,
    edit: SchemaEdit,
) -> Result<Option<(Value, bool)>, String> {
    let mut generator = generator(Contract::Serialize);
    let Some(generated) = schema_fn(&mut generator) else {
        return match edit {
            SchemaEdit::Generated => Ok(None),
            _ => Err(
                "the tool returns text or content, which has no output schema to write; \
                      return a structured type (Serialize + JsonSchema)"
                    .into(),
            ),
        };
    };
    let (mut s, extend) = match edit {
        SchemaEdit::Replace(written) => {
            // The author's schema stands alone: no generated definitions.
            generator = self::generator(Contract::Serialize);
            (written(), None)
        }
        SchemaEdit::Extend(patch) => (generated.to_value(), Some(patch)),
        SchemaEdit::Generated => (generated.to_value(), None),
    };
    if !(s.is_object() || s.is_boolean()) {
        return Err(format!("the output schema must be a JSON object, not {s}"));
    }
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
        Ok(Some((finish(s, &mut generator, extend), false)))
    } else {
        let root = json!({
            "type": "object",
            "properties": { "result": s },
            "required": ["result"],
        });
        Ok(Some((finish(root, &mut generator, extend), true)))
    }
}

/// Applies a JSON Merge Patch (RFC 7396) to `target`. Ten lines, so written here rather than
/// taken from a crate: objects merge key by key, `null` removes a key, anything else replaces.
pub(crate) fn merge_patch(target: &mut Value, patch: Value) {
    let Value::Object(patch) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target) = target else {
        unreachable!("made an object above")
    };
    for (key, value) in patch {
        if value.is_null() {
            target.remove(&key);
        } else {
            merge_patch(target.entry(key).or_insert(Value::Null), value);
        }
    }
}

/// The JSON Schema 2020-12 meta-schema, for tools that declare their dialect.
pub(crate) const DIALECT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// Names the dialect at the root (`"$schema"`), for `#[tool(schema_dialect)]`.
pub(crate) fn declare_dialect(schema: &mut Value) {
    if let Value::Object(m) = schema {
        m.insert("$schema".into(), Value::from(DIALECT_2020_12));
    }
}

/// The root with the generated definitions under `$defs`, the author's keywords merged in, then
/// normalised.
fn finish(
    mut root: Value,
    generator: &mut SchemaGenerator,
    extend: Option<fn() -> Value>,
) -> Value {
    let defs = generator.take_definitions(true);
    if !defs.is_empty() {
        root["$defs"] = Value::Object(defs);
    }
    if let Some(patch) = extend {
        merge_patch(&mut root, patch());
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

/// Rewrites a schema into the shapes strict clients accept (see the module docs), and nothing
/// else: it walks only the positions that hold subschemas, so values (`const`, `enum`, `default`,
/// `examples`), annotations, references (`$ref`, `$anchor`, `$id`), composition (`allOf`, …),
/// conditionals (`if`/`then`/`else`) and unknown keywords (`x-…`) reach the client as written.
pub(crate) fn normalize(schema: &mut Value) {
    let Value::Object(obj) = schema else {
        // `true` and `false` are rewritten (or kept) by the parent, which knows the position.
        return;
    };
    if let Some(Value::String(f)) = obj.get("format") {
        if !STANDARD_FORMATS.contains(&f.as_str()) {
            obj.remove("format");
        }
    }
    if let Some(Value::Array(types)) = obj.get("type") {
        let types = types.clone();
        split_type_array(obj, types);
    }
    for (key, value) in obj.iter_mut() {
        let key = key.as_str();
        if SUBSCHEMA_KEYWORDS.contains(&key) {
            match value {
                // `items` as a list is the tuple form of drafts before 2020-12.
                Value::Array(list) if key == "items" => list.iter_mut().for_each(subschema),
                _ => subschema(value),
            }
        } else if SUBSCHEMA_MAP_KEYWORDS.contains(&key) {
            if let Value::Object(m) = value {
                m.values_mut().for_each(subschema);
            }
        } else if SUBSCHEMA_LIST_KEYWORDS.contains(&key) {
            if let Value::Array(list) = value {
                list.iter_mut().for_each(subschema);
            }
        }
    }
}

/// One subschema: `true` becomes `{}` (see the module docs), then it is normalised.
fn subschema(v: &mut Value) {
    if *v == Value::Bool(true) {
        *v = Value::Object(Map::new());
    }
    normalize(v);
}

/// `"type": ["integer", "null"]` becomes `anyOf` branches: annotations stay on the outer schema,
/// assertions move into the first branch.
fn split_type_array(obj: &mut Map<String, Value>, types: Vec<Value>) {
    obj.remove("type");
    let (nulls, others): (Vec<Value>, Vec<Value>) = types.into_iter().partition(|t| t == "null");
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
    match (branches.len(), branches.pop()) {
        (1, Some(Value::Object(only))) => outer.extend(only),
        (_, Some(last)) => {
            branches.push(last);
            outer.insert("anyOf".into(), Value::Array(branches));
        }
        (_, None) => {}
    }
    *obj = outer;
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

    /// Every keyword the normaliser leaves alone, each in a schema that is otherwise clean.
    #[test]
    fn kept_keywords_reach_the_client_as_written() {
        let kept = [
            json!({"$schema": DIALECT_2020_12, "type": "object"}),
            json!({"$id": "https://example.com/s", "$comment": "why"}),
            json!({"$defs": {"a": {"$anchor": "addressDef", "type": "object"}}}),
            json!({"$ref": "#addressDef"}),
            json!({"$dynamicAnchor": "node", "$dynamicRef": "#node"}),
            json!({"allOf": [{"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}]}),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            json!({"not": {"type": "null"}}),
            json!({"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"required": ["c"]}}),
            json!({"const": {"type": ["a", "b"]}, "enum": [{"format": "int64"}, true]}),
            json!({"default": {"type": ["x", "null"]}, "examples": [{"format": "uint8"}]}),
            json!({"type": "object", "additionalProperties": false, "unevaluatedProperties": false}),
            json!({"patternProperties": {"^x-": {"type": "string"}}, "propertyNames": {"pattern": "^[a-z]"}}),
            json!({"dependentRequired": {"a": ["b"]}, "dependentSchemas": {"a": {"required": ["c"]}}}),
            json!({"type": "array", "prefixItems": [{"type": "string"}], "items": false, "contains": {"const": 1}, "minContains": 1}),
            json!({"type": "string", "format": "uuid", "pattern": "^a", "minLength": 1, "contentMediaType": "text/plain"}),
            json!({"type": "number", "minimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.5}),
            json!({"type": "string", "x-mcp-header": "Region", "x-anything": {"type": ["a", "b"]}}),
            json!({"title": "t", "description": "d", "deprecated": true, "readOnly": true, "writeOnly": false}),
            json!(false),
        ];
        for schema in kept {
            let mut normalised = schema.clone();
            normalize(&mut normalised);
            assert_eq!(normalised, schema);
        }
    }

    /// Every rewrite, wherever a subschema can sit (properties named like keywords included).
    #[test]
    fn rewritten_shapes() {
        let cases = [
            // A type array: `anyOf` branches.
            (
                json!({"type": ["string", "integer"], "minLength": 1}),
                json!({"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]}),
            ),
            // A non-standard format: dropped.
            (
                json!({"type": "integer", "format": "uint32"}),
                json!({"type": "integer"}),
            ),
            // `true` in a subschema position: `{}`.
            (
                json!({"items": true, "not": true}),
                json!({"items": {}, "not": {}}),
            ),
            // Properties named `default`, `enum` and `type` are schemas, not values.
            (
                json!({"properties": {
                    "default": {"type": ["integer", "null"], "format": "int64"},
                    "enum": true,
                    "type": {"format": "uint8"}
                }}),
                json!({"properties": {
                    "default": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                    "enum": {},
                    "type": {}
                }}),
            ),
            // Inside composition, conditionals and the tuple form of `items`.
            (
                json!({"allOf": [{"format": "int8"}], "if": {"format": "uint"}, "items": [true]}),
                json!({"allOf": [{}], "if": {}, "items": [{}]}),
            ),
        ];
        for (input, expected) in cases {
            let mut normalised = input.clone();
            normalize(&mut normalised);
            assert_eq!(normalised, expected, "from {input}");
        }
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
        merge_patch(
            &mut target,
            json!({"a": null, "b": {"c": 4}, "e": [2], "f": {"g": 5}}),
        );
        assert_eq!(
            target,
            json!({"b": {"c": 4, "d": 3}, "e": [2], "f": {"g": 5}})
        );
        let mut scalar = json!(1);
        merge_patch(&mut scalar, json!({"a": 1}));
        assert_eq!(scalar, json!({"a": 1}));
    }
}
