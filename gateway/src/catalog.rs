//! The resources, resource templates and prompts the gateway serves: each upstream's that pass
//! its filters. Prompts are namespaced as tools are; resources keep the URIs their upstream
//! gives them (behind `resource_prefix` when set), and a URI two upstreams serve is served by the
//! first. Reads, gets and completions go to the upstream as they come, within its timeout.

use crate::config::{Config, Upstream};
use crate::replicas::{Connected, Replicas};
use crate::tools::OnBehalf;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use sturdy_runtime::client::ClientError;
use sturdy_runtime::completion::{CompletionRequest, DynamicCompleter};
use sturdy_runtime::prompts::{DynamicPrompt, GetError};
use sturdy_runtime::resources::{DynamicResource, ReadError, ResourceContents};
use sturdy_runtime::ToolError;

/// What the gateway serves besides tools, and what it noticed putting it together.
#[derive(Default)]
pub struct Catalog {
    pub resources: Vec<DynamicResource>,
    pub prompts: Vec<DynamicPrompt>,
    /// Entries left out, and why (a URI another upstream serves).
    pub notes: Vec<String>,
    /// Per upstream, the prompts (names) and resources (URIs, templates) served of it.
    pub owned: BTreeMap<String, (Vec<String>, Vec<String>)>,
}

/// The resources, templates and prompts of every upstream reached, in the order of the
/// upstreams' names; a prompt name served twice is an error naming both.
pub fn served(config: &Config, connected: &BTreeMap<String, Connected>) -> Result<Catalog, String> {
    let mut catalog = Catalog::default();
    let mut uris: HashMap<String, String> = HashMap::new();
    let mut prompt_names: HashMap<String, (String, String)> = HashMap::new();
    for (name, upstream) in &config.upstreams {
        let Some(reached) = connected.get(name) else {
            continue;
        };
        let upstream = upstream.get_ref();
        let completes = reached.completes;
        for listed in reached.resources.iter().chain(&reached.templates) {
            let Some(resource) = resource(listed, upstream, &reached.upstream, completes) else {
                continue;
            };
            let key = resource_key(resource.listing()).to_owned();
            if let Some(first) = uris.get(&key) {
                catalog.notes.push(format!(
                    "{name}'s resource {key} is not served: {first} serves that URI \
                     (set resource_prefix on one of them to serve both)"
                ));
                continue;
            }
            uris.insert(key.clone(), name.clone());
            catalog.owned.entry(name.clone()).or_default().1.push(key);
            catalog.resources.push(resource);
        }
        for listed in &reached.prompts {
            let Some(own) = listed["name"].as_str() else {
                continue;
            };
            if !upstream.prompts.serves(own) {
                continue;
            }
            let exposed = if upstream.namespace {
                format!("{name}{}{own}", config.separator)
            } else {
                own.to_owned()
            };
            if let Some((first, first_own)) = prompt_names.get(&exposed) {
                return Err(format!(
                    "prompt {exposed} would be served twice: {first}'s {first_own} and {name}'s {own}"
                ));
            }
            prompt_names.insert(exposed.clone(), (name.clone(), own.to_owned()));
            catalog
                .owned
                .entry(name.clone())
                .or_default()
                .0
                .push(exposed.clone());
            catalog
                .prompts
                .push(prompt(&exposed, own, listed, &reached.upstream, completes));
        }
    }
    Ok(catalog)
}

/// A resource listing's URI, or its template.
pub fn resource_key(listing: &Value) -> &str {
    listing["uri"]
        .as_str()
        .or(listing["uriTemplate"].as_str())
        .unwrap_or_default()
}

/// The served resource (or template) for the upstream's `listed`, unless its filter leaves it
/// out or the listing has no URI.
fn resource(
    listed: &Value,
    upstream: &Upstream,
    replicas: &Arc<Replicas>,
    completes: bool,
) -> Option<DynamicResource> {
    let own = resource_key(listed);
    if own.is_empty() || !listed["name"].is_string() || !upstream.resources.serves(own) {
        return None;
    }
    let prefix = upstream.resource_prefix.clone().unwrap_or_default();
    let mut listing = listed.clone();
    let field = if listed["uri"].is_string() {
        "uri"
    } else {
        "uriTemplate"
    };
    listing[field] = json!(format!("{prefix}{own}"));
    let read = {
        let (replicas, prefix) = (replicas.clone(), prefix.clone());
        move |_ctx, uri: String| {
            let (replicas, prefix) = (replicas.clone(), prefix.clone());
            async move {
                let own = uri.strip_prefix(prefix.as_str()).unwrap_or(&uri).to_owned();
                let picked = replicas.pick().map_err(ReadError::Failed)?;
                let read = picked.client.read_resource(&own).await;
                picked.report(&read);
                let contents = read.map_err(|e| match e {
                    ClientError::Rpc {
                        code: RESOURCE_NOT_FOUND,
                        ..
                    } => ReadError::NotFound,
                    e => ReadError::Failed(refused(replicas.name(), e)),
                })?;
                Ok(contents
                    .into_iter()
                    .map(|item| with_prefix(item, &prefix))
                    .filter_map(ResourceContents::from_json)
                    .collect())
            }
        }
    };
    let mut resource = DynamicResource::new(listing, read);
    if completes && field == "uriTemplate" {
        let reference = json!({"type": "ref/resource", "uri": own});
        resource = resource.completions(completer(replicas, reference));
    }
    Some(resource)
}

/// A contents item of a prefixed resource, its URI prefixed as the client knows it.
fn with_prefix(mut item: Value, prefix: &str) -> Value {
    if prefix.is_empty() {
        return item;
    }
    if let Some(uri) = item["uri"].as_str() {
        item["uri"] = json!(format!("{prefix}{uri}"));
    }
    item
}

/// The served prompt `exposed`: the upstream's listing under its new name, its gets to the
/// upstream's `own`.
fn prompt(
    exposed: &str,
    own: &str,
    listed: &Value,
    replicas: &Arc<Replicas>,
    completes: bool,
) -> DynamicPrompt {
    let mut listing = listed.clone();
    listing["name"] = json!(exposed);
    let get = {
        let (replicas, own) = (replicas.clone(), own.to_owned());
        move |ctx, arguments: Map<String, Value>| {
            let (replicas, own) = (replicas.clone(), own.clone());
            async move {
                let picked = replicas.pick().map_err(GetError::Failed)?;
                // The prompt may ask the user (elicitation): its caller is asked.
                let behalf = OnBehalf::of(&ctx);
                let params = json!({"name": own, "arguments": arguments});
                let got = picked
                    .client
                    .request_with("prompts/get", params, behalf.options())
                    .await;
                picked.report(&got);
                if let Some(lacked) = behalf.lacked_if(got.is_err()) {
                    return Err(GetError::Failed(lacked));
                }
                got.map_err(|e| GetError::Failed(refused(replicas.name(), e)))
            }
        }
    };
    let mut prompt = DynamicPrompt::new(listing, get);
    if completes {
        let reference = json!({"type": "ref/prompt", "name": own});
        prompt = prompt.completions(completer(replicas, reference));
    }
    prompt
}

/// Completions asked of the upstream for its prompt or template `reference`.
fn completer(replicas: &Arc<Replicas>, reference: Value) -> DynamicCompleter {
    let replicas = replicas.clone();
    DynamicCompleter::new(move |_ctx, request: CompletionRequest| {
        let (replicas, reference) = (replicas.clone(), reference.clone());
        async move {
            let picked = replicas.pick()?;
            let completed = picked.client.complete_request(reference, request).await;
            picked.report(&completed);
            completed.map_err(|e| refused(replicas.name(), e))
        }
    })
}

/// What the upstream refused, as the caller's error: arguments that do not fit stay the
/// caller's mistake; anything else names the upstream.
fn refused(upstream: &str, e: ClientError) -> ToolError {
    match e {
        ClientError::Rpc {
            code: INVALID_PARAMS,
            message,
            ..
        } => ToolError::InvalidArguments(format!("{upstream}: {message}")),
        e => ToolError::from(e),
    }
}

/// JSON-RPC's invalid params, and MCP's resource not found (2025).
const INVALID_PARAMS: i64 = -32602;
const RESOURCE_NOT_FOUND: i64 = -32002;
