//! The command line every sturdy server answers: serve stdio or HTTP, or list what it serves.

mod http_settings;
mod listing;

pub use listing::{list_json, list_tools_json};

use crate::app_state::AppState;
use crate::health::HealthChecker;
use crate::mcp::{Server, ServerInfo};
use crate::registry::Registry;
use crate::transport::http;
use crate::transport::stdio;
use http_settings::{http_options, DEFAULT_HTTP_CALL_TIMEOUT};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// What [`App::on_start`] runs with the built server.
type StartHook = Box<dyn FnOnce(&Server) + Send>;

/// A tool server binary: collects the linked `#[tool]`s and serves them as the command line says.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     sturdy_runtime::App::new("my-server", env!("CARGO_PKG_VERSION")).run().await
/// }
/// ```
pub struct App {
    info: ServerInfo,
    health: Option<Arc<HealthChecker>>,
    /// Tools defined at run time, served beside the `#[tool]`s.
    dynamic: Vec<crate::registry::DynamicTool>,
    dynamic_resources: Vec<crate::resources::DynamicResource>,
    dynamic_prompts: Vec<crate::prompts::DynamicPrompt>,
    state: AppState,
    /// Where the skills it serves are (read at start-up).
    skills: Option<std::path::PathBuf>,
    /// Run with the server once it is built.
    on_start: Vec<StartHook>,
}

const USAGE: &str = "usage: [--http ADDR | --list | --list-tools | --help]

  (no option)   serve MCP over stdio (newline-delimited JSON-RPC)
  --http ADDR   serve MCP over Streamable HTTP at http://ADDR/mcp (e.g. 127.0.0.1:8000);
                health at /health. Environment: STURDY_BEARER_TOKEN requires that bearer token;
                STURDY_BEARER_TOKENS=alice:token1,bob:token2 (or STURDY_BEARER_TOKENS_FILE, one
                principal:token a line) accepts several, each naming who calls;
                STURDY_AUTH_ISSUER=<url> instead makes the server an OAuth resource server: it
                accepts JWT access tokens of that authorization server for STURDY_PUBLIC_URL
                (this endpoint's public URL, default http://ADDR/mcp) and publishes where to get
                them (/.well-known/oauth-protected-resource/mcp); STURDY_AUTH_REQUIRED_SCOPES
                (space-separated) are needed by every request, STURDY_AUTH_AUDIENCE and
                STURDY_AUTH_JWKS_URL override the audience and the key set's URL; a caller
                sees only the tools, resources and prompts its scopes open, unless
                STURDY_AUTH_LIST_ALL=true; opaque tokens are introspected (RFC 7662) at
                STURDY_AUTH_INTROSPECTION_URL as STURDY_AUTH_CLIENT_ID/_SECRET;
                STURDY_ALLOWED_ORIGINS (comma-separated) allows browser origins besides loopback;
                STURDY_ALLOWED_HOSTS (comma-separated host or host:port, `*` for any) names the
                Host headers answered (default on a loopback bind: loopback names only);
                STURDY_CLIENT_ADDRESS_HEADER (e.g. x-forwarded-for) names the header a trusted
                reverse proxy puts the client's address in (default: the peer address);
                STURDY_CALL_TIMEOUT bounds each tool call in seconds (default 120);
                STURDY_TASK_TIMEOUT bounds a call run as a task (default 3600) and
                STURDY_TASK_TTL keeps a task that long from its creation (default 3600),
                STURDY_TASKS_PER_CLIENT bounds the tasks kept per caller (default 1000);
                STURDY_TASK_LEASE is how long a replica's hold on a task it runs lasts when
                tasks are shared on Redis (default 15);
                STURDY_STATE_KEY seals the requestState of multi-round calls (default: a random
                key per process; replicas sharing a key recognise each other's states);
                STURDY_SSE_CLOSE_AFTER closes a session's SSE responses after that many seconds
                (the client resumes them with GET and Last-Event-ID; for proxies that cut them);
                STURDY_HEADER_TIMEOUT (default 10) bounds the wait for a request's headers and
                idle keep-alive, STURDY_BODY_TIMEOUT (default 30) a body's arrival, in seconds.
                SIGINT/SIGTERM stop accepting and let in-flight calls finish for up to
                STURDY_SHUTDOWN_GRACE seconds (default 30), then cut them.
  --list        print what the server serves as JSON and exit: tools, resources, resource
                templates and prompts, each with its resilience policies
  --list-tools  print every tool (schemas, annotations, policies) as JSON and exit
  --help        print this help

Replicas (every mode): STURDY_REDIS_URL=redis://host:port[/db] (rediss:// for TLS) shares rate
limits, caches and shared circuit breakers with the other replicas through that Redis;
STURDY_REDIS_TIMEOUT bounds each Redis operation in seconds (default 0.05);
STURDY_REDIS_RATE_LIMIT_FALLBACK=closed refuses limited calls while Redis is away (default
`local`: each replica applies the limit alone); STURDY_REDIS_CA_CERT, STURDY_REDIS_CLIENT_CERT and
STURDY_REDIS_CLIENT_KEY name PEM files for TLS to Redis; STURDY_REDIS_CLUSTER=true makes it a
Redis Cluster whose seed nodes STURDY_REDIS_URL lists, separated by commas.

Logs go to stderr (stdout carries the protocol over stdio). STURDY_LOG sets what is logged:
`warn` (the default: panics, circuits opening), `info`, `debug` (every call, retry and rejection),
`off`, or per target, e.g. `warn,sturdy::call=debug`.";

impl App {
    /// An app named `name` at `version` (what `initialize` reports), serving every registered tool.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        App {
            info: ServerInfo::new(name, version),
            health: None,
            dynamic: Vec::new(),
            dynamic_resources: Vec::new(),
            dynamic_prompts: Vec::new(),
            on_start: Vec::new(),
            state: AppState::new(),
            skills: None,
        }
    }

    /// Provides `value` to every `#[tool]`, `#[resource]` and `#[prompt]` function that takes a
    /// `State<T>` parameter (one value per type; call once per type). A function asking for a
    /// type no call provided stops the server at start-up with an error naming the function
    /// and the type.
    ///
    /// ```no_run
    /// use sturdy_runtime::{App, State};
    ///
    /// struct Upstream {
    ///     base_url: String,
    /// }
    ///
    /// // In a tool: `async fn fetch(upstream: State<Upstream>, path: String) -> String`.
    /// # async fn f() -> std::process::ExitCode {
    /// App::new("my-server", "1.0.0")
    ///     .state(Upstream { base_url: "https://api.example.com".into() })
    ///     .run()
    ///     .await
    /// # }
    /// ```
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// Serves the skills in `dir` (the `io.modelcontextprotocol/skills` extension): each
    /// directory below it holding a `SKILL.md` is a skill, its files resources under
    /// `skill://`. Read at start-up; a skill that is not valid stops the server, naming it.
    pub fn skills(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.skills = Some(dir.into());
        self
    }

    /// Guidance for the model using this server, sent to clients at start.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.info.instructions = Some(instructions.into());
        self
    }

    /// Serves `checker` as the built-in tools `health_check` and `simple_health`, and over HTTP
    /// as `GET /ready` (503 when unhealthy).
    pub fn health(mut self, checker: HealthChecker) -> Self {
        self.health = Some(Arc::new(checker));
        self
    }

    fn registry(&self) -> Result<Registry, crate::registry::RegistryError> {
        let builtin = self
            .health
            .clone()
            .map(crate::health::builtin_tools)
            .into_iter()
            .flatten();
        Registry::from_parts(
            inventory::iter::<crate::registry::ToolDef>
                .into_iter()
                .chain(builtin),
            self.dynamic.iter().cloned(),
        )
    }

    /// Serves `tools`, defined at run time, beside the `#[tool]`s (a gateway's, tools read from
    /// a configuration): see [`DynamicTool`](crate::registry::DynamicTool). A name taken twice
    /// stops start-up.
    pub fn tools(mut self, tools: impl IntoIterator<Item = crate::registry::DynamicTool>) -> Self {
        self.dynamic.extend(tools);
        self
    }

    /// Serves `resources`, defined at run time, beside the `#[resource]`s: see
    /// [`DynamicResource`](crate::resources::DynamicResource). A URI or template taken twice
    /// stops start-up.
    pub fn resources(
        mut self,
        resources: impl IntoIterator<Item = crate::resources::DynamicResource>,
    ) -> Self {
        self.dynamic_resources.extend(resources);
        self
    }

    /// Serves `prompts`, defined at run time, beside the `#[prompt]`s: see
    /// [`DynamicPrompt`](crate::prompts::DynamicPrompt). A name taken twice stops start-up.
    pub fn prompts(
        mut self,
        prompts: impl IntoIterator<Item = crate::prompts::DynamicPrompt>,
    ) -> Self {
        self.dynamic_prompts.extend(prompts);
        self
    }

    /// Runs `start` with the server once it is built, before it serves anything: to keep what
    /// the program changes at run time (the switches of its tools, resources and prompts).
    ///
    /// ```
    /// use std::sync::{Arc, OnceLock};
    /// use sturdy_runtime::registry::Switches;
    ///
    /// let switches: Arc<OnceLock<Arc<Switches>>> = Default::default();
    /// let kept = switches.clone();
    /// let app = sturdy_runtime::App::new("notes", "1.0")
    ///     .on_start(move |server| drop(kept.set(server.registry().switches().clone())));
    /// let _server = app.into_server().unwrap();
    /// assert!(switches.get().is_some());
    /// ```
    pub fn on_start(mut self, start: impl FnOnce(&Server) + Send + 'static) -> Self {
        self.on_start.push(Box::new(start));
        self
    }

    /// Runs with the process's command-line arguments.
    pub async fn run(self) -> ExitCode {
        self.run_with_args(std::env::args().skip(1)).await
    }

    /// The server this app serves, built and checked as [`run`](Self::run) does (its tools,
    /// resources, prompts, skills and state), without serving it: for tests, in process (see
    /// [`crate::testing`]). An error says what does not hold.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let server = sturdy_runtime::App::new("notes", "1.0").into_server().unwrap();
    /// let client = sturdy_runtime::testing::TestClient::new(server).await.unwrap();
    /// # let _ = client;
    /// # }
    /// ```
    pub fn into_server(self) -> Result<Server, String> {
        let skills = match &self.skills {
            None => crate::skills::Skills::default(),
            Some(dir) => {
                crate::skills::Skills::from_dir(dir).map_err(|e| format!("skills: {e}"))?
            }
        };
        let registry = self.registry().map_err(|e| e.to_string())?;
        let resources = crate::resources::Resources::from_parts(
            inventory::iter::<crate::resources::ResourceDef>,
            self.dynamic_resources.iter().cloned(),
        )
        .map_err(|e| e.to_string())?;
        let prompts = crate::prompts::Prompts::from_parts(
            inventory::iter::<crate::prompts::PromptDef>,
            self.dynamic_prompts.iter().cloned(),
        )
        .map_err(|e| e.to_string())?;
        let server = Server::new(registry, self.info.clone())
            .with_resources(resources)
            .with_prompts(prompts)
            .with_skills(skills)
            .with_app_state(self.state);
        server.check_app_state().map_err(|e| e.to_string())?;
        for start in self.on_start {
            start(&server);
        }
        Ok(with_state_key(server))
    }

    /// Runs with the given arguments (without the program name).
    pub async fn run_with_args(self, args: impl IntoIterator<Item = String>) -> ExitCode {
        let args: Vec<String> = args.into_iter().collect();
        if let Err(e) = init_logging() {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        if let Err(e) = crate::tasks::Limits::from_env() {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        #[cfg(feature = "redis")]
        if let Err(e) = share_through_redis(&self.info.name) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        let (health, info) = (self.health.clone(), self.info.clone());
        let server = match self.into_server() {
            Ok(server) => server,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [] => {
                let (server, telemetry) = match with_telemetry(server) {
                    Ok(traced) => traced,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                };
                let served = stdio::serve_stdio(Arc::new(server)).await;
                flush(telemetry).await;
                match served {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("error: stdio transport: {e}");
                        ExitCode::FAILURE
                    }
                }
            }
            ["--http", addr] => serve_over_http(server, addr, health).await,
            ["--list"] => {
                println!("{}", list_json(&server));
                ExitCode::SUCCESS
            }
            ["--list-tools"] => {
                println!("{}", list_tools_json(server.registry()));
                ExitCode::SUCCESS
            }
            ["--help" | "-h"] => {
                println!("{} {}\n{USAGE}", info.name, info.version);
                ExitCode::SUCCESS
            }
            _ => {
                eprintln!("error: unexpected arguments {args:?}\n{USAGE}");
                ExitCode::from(2)
            }
        }
    }
}

/// Serves `server` over Streamable HTTP at `addr` as the environment says, until a shutdown
/// signal.
async fn serve_over_http(
    server: Server,
    addr: &str,
    health: Option<Arc<HealthChecker>>,
) -> ExitCode {
    let options = match http_options(addr, health.clone()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let timeout = std::env::var("STURDY_CALL_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map_or(DEFAULT_HTTP_CALL_TIMEOUT, Duration::from_secs_f64);
    let (server, telemetry) = match with_telemetry(server) {
        Ok(traced) => traced,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let server = Arc::new(server.with_call_timeout(timeout));
    let listener = match tokio::net::TcpListener::bind(options.bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", options.bind);
            return ExitCode::FAILURE;
        }
    };
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    eprintln!("serving MCP on http://{local}/mcp");
    let served = http::serve_http(server, listener, options, http::shutdown_signal()).await;
    flush(telemetry).await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: http transport: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What the server exports to OpenTelemetry, as the `OTEL_*` variables say (see
/// [`crate::telemetry`]).
#[cfg(feature = "otel")]
type Exporting = Option<crate::telemetry::Telemetry>;
#[cfg(not(feature = "otel"))]
type Exporting = ();

/// `server`, exporting request spans when the `OTEL_*` variables set an exporter up.
fn with_telemetry(server: Server) -> Result<(Server, Exporting), String> {
    #[cfg(feature = "otel")]
    {
        let name = server.info().name.clone();
        Ok(match crate::telemetry::Telemetry::from_env(&name)? {
            Some(t) => (server.with_telemetry(t.clone()), Some(t)),
            None => (server, None),
        })
    }
    #[cfg(not(feature = "otel"))]
    Ok((server, ()))
}

/// Exports the spans still queued, once the transport is done.
async fn flush(telemetry: Exporting) {
    #[cfg(feature = "otel")]
    if let Some(t) = telemetry {
        let _ = tokio::task::spawn_blocking(move || t.shutdown()).await;
    }
    #[cfg(not(feature = "otel"))]
    let () = telemetry;
}

/// `STURDY_STATE_KEY`, when set, seals `requestState`s (shared by replicas; see
/// [`Server::with_state_key`]).
fn with_state_key(server: Server) -> Server {
    match std::env::var("STURDY_STATE_KEY") {
        Ok(key) if !key.is_empty() => server.with_state_key(key),
        _ => server,
    }
}

/// `STURDY_REDIS_URL`, when set: the replicas' policy state lives in that Redis (see
/// [`crate::shared`]).
#[cfg(feature = "redis")]
fn share_through_redis(server: &str) -> Result<(), String> {
    let Some(options) = crate::shared::RedisOptions::from_env()? else {
        return Ok(());
    };
    let url = crate::shared::redacted_url(&options.url);
    let store = crate::shared::RedisStore::connect(options, server)?;
    // A program that installed its own store first keeps it.
    if crate::shared::install(store).is_ok() {
        tracing::info!(target: "sturdy::shared", "rate limits shared through Redis at {url}");
    }
    Ok(())
}

/// Logs to stderr, filtered by `STURDY_LOG` (default `warn`). A subscriber the program installed
/// itself is kept.
fn init_logging() -> Result<(), String> {
    use tracing_subscriber::layer::SubscriberExt;
    let spec = std::env::var("STURDY_LOG").unwrap_or_else(|_| "warn".to_owned());
    let filter: tracing_subscriber::filter::Targets = spec
        .parse()
        .map_err(|e| format!("STURDY_LOG={spec:?}: {e}"))?;
    let subscriber = tracing_subscriber::fmt()
        // The builder's own level (INFO by default) would hide what `STURDY_LOG` lets through.
        .with_max_level(tracing::Level::TRACE)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .finish()
        .with(filter);
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(())
}
