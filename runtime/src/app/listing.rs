//! What `--list` and `--list-tools` print: what a server serves, with the resilience policies on
//! each function, as JSON (for people reading it and for scripts checking a build).

use crate::app_state::StateNeed;
use crate::mcp::Server;
use crate::registry::Registry;
use crate::resilience::macro_support::policies_of;
use crate::resources::ResourceDef;
use serde_json::{json, Map, Value};

/// The `--list-tools` document: `{"tools": [{name, description, inputSchema, outputSchema,
/// annotations, policies}]}`.
pub fn list_tools_json(registry: &Registry) -> String {
    pretty(&json!({ "tools": tools(registry) }))
}

/// The `--list` document: everything the server serves, each entry as its list method shows it
/// to clients plus `policies` (the resilience attributes, in pipeline order) and, where the
/// function takes application state, `state` (the types):
///
/// `{"server": {name, version}, "tools": [..], "resources": [..], "resourceTemplates": [..],
/// "prompts": [..]}`. Entries that are off also say `"enabled": false`; template variables and
/// prompt arguments that complete are listed under `completions`.
pub fn list_json(server: &Server) -> String {
    let resources = server.resources();
    let resource = |(entry, def): (&Value, Option<&'static ResourceDef>)| {
        let key = entry["uri"].as_str().or(entry["uriTemplate"].as_str());
        let on = key.is_some_and(|k| resources.switches().is_enabled(k));
        let Some(def) = def else {
            return described(entry, "", &[], &[], on);
        };
        let completions: Vec<&str> = def.completions.iter().map(|(var, _)| *var).collect();
        described(entry, def.rust_path, def.states, &completions, on)
    };
    let listed_resources: Vec<Value> = resources.described().map(resource).collect();
    let listed_templates: Vec<Value> = resources.described_templates().map(resource).collect();
    let prompts: Vec<Value> = server
        .prompts()
        .described()
        .map(|(entry, def)| {
            let name = entry["name"].as_str().unwrap_or_default();
            let on = server.prompts().switches().is_enabled(name);
            let Some(def) = def else {
                return described(entry, "", &[], &[], on);
            };
            let completions: Vec<&str> = def
                .arguments
                .iter()
                .filter(|a| a.complete.is_some())
                .map(|a| a.name)
                .collect();
            described(entry, def.rust_path, def.states, &completions, on)
        })
        .collect();
    let info = server.info();
    pretty(&json!({
        "server": { "name": info.name, "version": info.version },
        "tools": tools(server.registry()),
        "resources": listed_resources,
        "resourceTemplates": listed_templates,
        "prompts": prompts,
    }))
}

/// Every tool as `tools/list` shows it (without `_meta`), with its policies and state.
fn tools(registry: &Registry) -> Vec<Value> {
    registry
        .defs()
        .zip(registry.tools())
        .map(|(def, info)| {
            let mut entry = serde_json::to_value(info).expect("tool info serialises");
            if let Value::Object(m) = &mut entry {
                m.remove("_meta");
            }
            let on = registry.switches().is_enabled(def.name);
            described(&entry, def.rust_path, def.states, &[], on)
        })
        .collect()
}

/// `entry` plus `policies`, `state` / `completions` when there are any, and `"enabled": false`
/// when it is off.
fn described(
    entry: &Value,
    rust_path: &str,
    states: &[StateNeed],
    completions: &[&str],
    enabled: bool,
) -> Value {
    let mut m: Map<String, Value> = entry.as_object().cloned().unwrap_or_default();
    m.insert("policies".into(), Value::Array(policies_of(rust_path)));
    if !states.is_empty() {
        let types: Vec<&str> = states.iter().map(StateNeed::type_name).collect();
        m.insert("state".into(), json!(types));
    }
    if !completions.is_empty() {
        m.insert("completions".into(), json!(completions));
    }
    if !enabled {
        m.insert("enabled".into(), json!(false));
    }
    Value::Object(m)
}

fn pretty(document: &Value) -> String {
    serde_json::to_string_pretty(document).expect("JSON values serialise")
}
