//! The tools the gateway serves: each upstream tool that passes its filter, under
//! `<upstream><separator><name>`, behind the policies its configuration gives, built as the
//! attributes build them (`#[rate_limited]`, `#[cached]`, `#[retry]`, `#[circuit_breaker]`,
//! `#[timeout]`, in that order), its result passed on as the upstream gave it.

use crate::config::{Config, RateKey, ToolSettings, Upstream};
use crate::replicas::{Connected, Replicas};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use sturdy_runtime::__private::{
    CacheSpec, CircuitBreakerConfig, Policies, PolicySpec, Predicates, RateSpec, Retry, RetrySpec,
};
use sturdy_runtime::client::{CallOptions, Client, ClientError};
use sturdy_runtime::registry::DynamicTool;
use sturdy_runtime::{Content, LogLevel, ToolError, ToolOutput};
use tokio::sync::mpsc;

/// An upstream's answer, kept whole (what a cache holds).
#[derive(Clone)]
struct Answer {
    content: Vec<Value>,
    structured: Option<Value>,
    is_error: bool,
}

type ToolPolicies = Policies<String, Answer, ToolError>;

/// One served tool: the name it is served under and where it comes from, for messages.
pub struct Served {
    pub tool: DynamicTool,
    pub upstream: String,
    pub upstream_tool: String,
}

/// The tools of every upstream reached, in the order of the upstreams' names; a name served
/// twice (after renaming) is an error naming both.
pub fn served(
    config: &Config,
    connected: &BTreeMap<String, Connected>,
) -> Result<Vec<Served>, String> {
    let mut served: Vec<Served> = Vec::new();
    for (name, upstream) in &config.upstreams {
        let Some(reached) = connected.get(name) else {
            continue;
        };
        let upstream = upstream.get_ref();
        for listed in &reached.tools {
            let Some(tool_name) = listed["name"].as_str() else {
                continue;
            };
            if !upstream.tools.serves(tool_name) {
                continue;
            }
            let settings = upstream.tool.get(tool_name).map(|s| s.get_ref());
            let own = settings
                .and_then(|s| s.rename.as_deref())
                .unwrap_or(tool_name);
            let exposed = if upstream.namespace {
                format!("{name}{}{own}", config.separator)
            } else {
                own.to_owned()
            };
            if let Some(first) = served.iter().find(|s| s.tool.info().name == exposed) {
                return Err(format!(
                    "{exposed} would be served twice: {}'s {} and {name}'s {tool_name}",
                    first.upstream, first.upstream_tool
                ));
            }
            let tool = tool(
                &exposed,
                tool_name,
                listed,
                upstream,
                settings,
                &reached.upstream,
            );
            served.push(Served {
                tool,
                upstream: name.clone(),
                upstream_tool: tool_name.to_owned(),
            });
        }
    }
    Ok(served)
}

/// What the attributes would write for this tool: the upstream's settings, the tool's over them.
fn spec(listed: &Value, upstream: &Upstream, settings: Option<&ToolSettings>) -> PolicySpec {
    let rate = settings
        .and_then(|s| s.rate_limited.clone())
        .or_else(|| upstream.rate_limited.clone());
    let cache = settings.and_then(|s| s.cached).or(upstream.cached);
    let retry = settings.and_then(|s| s.retry).or(upstream.retry);
    let breaker = settings
        .and_then(|s| s.circuit_breaker)
        .or(upstream.circuit_breaker);
    let timeout = settings.and_then(|s| s.timeout).or(upstream.timeout);
    // A call that may have reached the tool is repeated only when repeating is harmless.
    let annotations = &listed["annotations"];
    let repeatable = upstream.retry_all
        || annotations["readOnlyHint"] == true
        || annotations["idempotentHint"] == true;
    PolicySpec {
        rate_limit: rate.map(|r| RateSpec {
            limit: r.calls,
            window: r.per,
            key: match r.key {
                RateKey::Client => sturdy_runtime::__private::RateKey::Client,
                RateKey::Global => sturdy_runtime::__private::RateKey::Global,
                RateKey::Argument(name) => {
                    sturdy_runtime::__private::RateKey::Param(Box::leak(name.into_boxed_str()))
                }
            },
        }),
        cache: cache.map(|c| CacheSpec {
            ttl: c.ttl,
            capacity: c.capacity,
            per_caller: false,
        }),
        retry: retry.filter(|_| repeatable).map(|r| RetrySpec {
            retry: Retry {
                max: r.max,
                base: r.base.unwrap_or(Retry::default().base),
                ..Retry::default()
            },
            when: false,
        }),
        circuit_breaker: breaker.map(|b| CircuitBreakerConfig {
            threshold: b.threshold,
            recovery: b.recovery,
            ..CircuitBreakerConfig::default()
        }),
        // Without one configured, the client's own timeout (30 s) bounds the call: no timer of
        // the pipeline's besides.
        timeout,
        ..PolicySpec::default()
    }
}

/// The served tool `exposed`: the upstream's listing under its new name, its calls through the
/// policies to `replicas`' `upstream_name`.
fn tool(
    exposed: &str,
    upstream_name: &str,
    listed: &Value,
    upstream: &Upstream,
    settings: Option<&ToolSettings>,
    replicas: &Arc<Replicas>,
) -> DynamicTool {
    let spec = spec(listed, upstream, settings);
    // One set of policies per served tool, for the program's life (the configuration, not
    // callers, decides how many), named as `--list` and the status page show them.
    let name: &'static str = Box::leak(format!("gateway::{exposed}").into_boxed_str());
    let policies: Arc<ToolPolicies> = if spec.cache.is_some() {
        Policies::new_cached(name, &spec, Predicates::default(), None)
    } else {
        Policies::new(name, &spec, Predicates::default())
    };
    let argument_key = match spec.rate_limit.map(|r| r.key) {
        Some(sturdy_runtime::__private::RateKey::Param(argument)) => Some(argument),
        _ => None,
    };
    let call = {
        let (replicas, upstream_name) = (replicas.clone(), upstream_name.to_owned());
        move |ctx: sturdy_runtime::Context, arguments: Value| {
            let (replicas, upstream_name, policies) =
                (replicas.clone(), upstream_name.clone(), policies.clone());
            async move {
                let deferred = argument_key.map(|a| match &arguments[a] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                let attempt = || {
                    let (replicas, upstream_name, arguments, ctx) = (
                        replicas.clone(),
                        upstream_name.clone(),
                        arguments.clone(),
                        ctx.clone(),
                    );
                    async move { attempt(&replicas, &ctx, &upstream_name, arguments).await }
                };
                let answer = if policies.cache().is_some() {
                    // The arguments' JSON text (keys in order) keys the cache.
                    let key = arguments.to_string();
                    policies.run(deferred, key, attempt).await
                } else {
                    policies.run_uncached(deferred, attempt).await
                }
                .map_err(|fail| fail.into_error())?;
                Ok(ToolOutput::Forwarded {
                    content: answer
                        .content
                        .into_iter()
                        .filter_map(Content::from_json)
                        .collect(),
                    structured: answer.structured,
                    is_error: answer.is_error,
                })
            }
        }
    };
    let mut tool = DynamicTool::new(
        exposed,
        listed["description"].as_str().unwrap_or_default(),
        listed
            .get("inputSchema")
            .cloned()
            .unwrap_or_else(|| json!({"type": "object"})),
        call,
    )
    .policies(spec.describe());
    if let Some(title) = listed["title"].as_str() {
        tool = tool.title(title);
    }
    if let Some(schema) = listed.get("outputSchema").filter(|s| s.is_object()) {
        tool = tool.output_schema(schema.clone());
    }
    if let Some(annotations) = listed.get("annotations").filter(|a| a.is_object()) {
        tool = tool.annotations(annotations.clone());
    }
    if let Some(settings) = settings.filter(|s| !s.scopes.is_empty()) {
        tool = tool.scopes(&settings.scopes);
    }
    tool
}

/// One attempt of a call of `tool`, on the next replica of `replicas`.
async fn attempt(
    replicas: &Replicas,
    ctx: &sturdy_runtime::Context,
    tool: &str,
    arguments: Value,
) -> Result<Answer, ToolError> {
    let picked = replicas.pick()?;
    let client = picked.client.clone();
    let behalf = OnBehalf::of(ctx);
    let called = call(&client, ctx, tool, arguments, behalf.options()).await;
    picked.report(&called);
    let failed = called.as_ref().map_or(true, |r| r.is_error());
    if let Some(lacked) = behalf.lacked_if(failed) {
        return Err(lacked);
    }
    let result = called.map_err(ToolError::from)?;
    Ok(Answer {
        content: result.content().to_vec(),
        structured: result.structured().cloned(),
        is_error: result.is_error(),
    })
}

/// Calls `tool` on the caller's behalf: the upstream's questions about this call go to the
/// caller (`ctx`), and when the caller asked for progress or log messages, the upstream's
/// reports and messages sent on this call's behalf are passed on (progress under the caller's
/// own token) as they come. `options` put its questions to the caller (see [`OnBehalf`]).
async fn call(
    client: &Client,
    ctx: &sturdy_runtime::Context,
    tool: &str,
    arguments: Value,
    mut options: CallOptions,
) -> Result<sturdy_runtime::client::ToolResult, ClientError> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    // The least severe level the caller takes: a 2026-07-28 upstream is asked for it with the
    // call (a 2025 one was asked for its messages once, per session).
    let caller_level = LOG_LEVELS.into_iter().find(|l| ctx.logs(*l));
    if let Some(level) = caller_level {
        options = options.meta(META_LOG_LEVEL, json!(level.as_str()));
    }
    let wants_logs = caller_level.is_some();
    if !ctx.wants_progress() && !wants_logs {
        return client.call_tool_with(tool, arguments, options).await;
    }
    let token = format!("sturdy-gateway-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    if ctx.wants_progress() {
        options = options.progress(token.clone());
    }
    // Bounded: a flood of messages the caller is slow to take is dropped, not queued.
    let (notes_tx, mut notes) = mpsc::channel::<Value>(NOTES_QUEUED);
    options = options.listening(move |note| {
        let _ = notes_tx.try_send(note.clone());
    });
    let call = client.call_tool_with(tool, arguments, options);
    tokio::pin!(call);
    let result = loop {
        tokio::select! {
            result = &mut call => break result,
            Some(note) = notes.recv() => pass_on(ctx, &token, &note).await,
        }
    };
    // Notes the upstream sent before its answer are all queued by now (the client hands on
    // messages in order): those the loop had not taken yet go before the result.
    while let Ok(note) = notes.try_recv() {
        pass_on(ctx, &token, &note).await;
    }
    result
}

/// A request made on a caller's behalf: the upstream's questions about it go to the caller.
/// One the caller cannot be asked, for want of a capability it did not declare, is refused to
/// the upstream and remembered: a request that then fails fails with it (-32021), as it would
/// at a server that needs the capability. (An upstream may ask what it can do without, as
/// roots: a request that succeeds anyway stands.)
pub struct OnBehalf {
    caller: sturdy_runtime::Context,
    lacked: Arc<Mutex<Option<ToolError>>>,
}

impl OnBehalf {
    pub fn of(ctx: &sturdy_runtime::Context) -> OnBehalf {
        OnBehalf {
            caller: ctx.clone(),
            lacked: Arc::default(),
        }
    }

    /// Options that put the upstream's questions to the caller.
    pub fn options(&self) -> CallOptions {
        let (caller, lacked) = (self.caller.clone(), self.lacked.clone());
        CallOptions::new().asking(move |method, params| {
            let (caller, lacked) = (caller.clone(), lacked.clone());
            async move {
                caller.request(&method, params).await.map_err(|e| {
                    let refused = (INTERNAL_ERROR, e.to_string());
                    if matches!(e, ToolError::MissingClientCapability { .. }) {
                        *lacked.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    }
                    refused
                })
            }
        })
    }

    /// The capability the caller lacked, when the request `failed` for want of it.
    pub fn lacked_if(&self, failed: bool) -> Option<ToolError> {
        let lacked = self.lacked.lock().unwrap_or_else(|p| p.into_inner()).take();
        lacked.filter(|_| failed)
    }
}

/// Every log level, least severe first.
const LOG_LEVELS: [LogLevel; 8] = [
    LogLevel::Debug,
    LogLevel::Info,
    LogLevel::Notice,
    LogLevel::Warning,
    LogLevel::Error,
    LogLevel::Critical,
    LogLevel::Alert,
    LogLevel::Emergency,
];

/// Where a 2026-07-28 request names the log level its caller takes.
const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";

/// At most this many of an upstream's notes about one call wait for the caller.
const NOTES_QUEUED: usize = 256;

/// Passes `note` on to the caller: the upstream's progress under `token`, or a log message
/// (at the level the caller asked for or above).
async fn pass_on(ctx: &sturdy_runtime::Context, token: &str, note: &Value) {
    let params = &note["params"];
    match note["method"].as_str() {
        Some("notifications/progress") if params["progressToken"] == token => {
            let progress = params["progress"].as_f64().unwrap_or_default();
            ctx.progress(
                progress,
                params["total"].as_f64(),
                params["message"].as_str(),
            )
            .await;
        }
        Some("notifications/message") => {
            let Some(level) = params["level"].as_str().and_then(LogLevel::parse) else {
                return;
            };
            match params["logger"].as_str() {
                Some(logger) => ctx.log_as(level, logger, &params["data"]).await,
                None => ctx.log(level, &params["data"]).await,
            }
        }
        _ => {}
    }
}

/// JSON-RPC's internal error: what the upstream is told when its question could not be put to
/// the caller (the caller cannot be asked, or answered with an error).
const INTERNAL_ERROR: i64 = -32603;
