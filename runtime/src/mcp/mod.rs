//! The MCP protocol: JSON-RPC framing, revision negotiation and request dispatch. Transport-agnostic:
//! a transport hands each incoming message to [`Server::handle`] and writes back what it returns.

mod call_deadline;
mod completion;
mod dispatch;
mod followed_tasks;
mod handshake;
mod input_required;
mod list_pages;
mod prompt_get;
mod reply;
mod request_state;
mod resource_read;
mod rounds;
mod scopes;
mod session;
mod subscriptions;
mod task_methods;
mod tool_call;
mod unless_cancelled;

// The wire vocabulary lives a layer below (`protocol`); these paths are the public ones.
pub use crate::protocol::{jsonrpc, version, LogLevel, Version};
pub(crate) use crate::random_token::random_token;
pub use input_required::{MAX_PARKED, MAX_PARKED_PER_CLIENT, PARKED_TTL};
pub(crate) use session::SessionView;
pub use session::{Session, MAX_SUBSCRIPTIONS_PER_SESSION};
pub(crate) use subscriptions::ListenPlace;
pub use subscriptions::MAX_LISTENS_PER_CLIENT;

use crate::app_state::{first_missing, AppState};
use crate::context::ServerLinks;
use crate::prompts::Prompts;
use crate::protocol::Method;
use crate::registry::{Registry, RegistryError};
use crate::resources::Resources;
use list_pages::{CurrentPages, ListPages};
use std::sync::Arc;

/// Name, version and instructions the server announces to clients.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    /// The server's name, as `initialize` reports it.
    pub name: String,
    /// The server's version.
    pub version: String,
    /// Guidance for the model using this server (sent in `initialize` / `server/discover`).
    pub instructions: Option<String>,
}

impl ServerInfo {
    /// `name` at `version`.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        ServerInfo {
            name: name.into(),
            version: version.into(),
            instructions: None,
        }
    }
}

/// An MCP server over a tool registry. Cheap to share: wrap it in an `Arc` and hand it to as many
/// transports and sessions as needed.
pub struct Server {
    registry: Arc<Registry>,
    resources: Arc<Resources>,
    prompts: Arc<Prompts>,
    info: ServerInfo,
    /// `tools/list`, `resources/list`, `resources/templates/list` and `prompts/list` pages,
    /// rebuilt when an entry is turned on or off.
    tool_pages: CurrentPages,
    resource_pages: CurrentPages,
    template_pages: CurrentPages,
    prompt_pages: CurrentPages,
    page_size: usize,
    /// Open `subscriptions/listen` streams, per client.
    listeners: Arc<subscriptions::Listeners>,
    /// Cancelled by [`close_subscriptions`](Self::close_subscriptions).
    closing: tokio_util::sync::CancellationToken,
    call_timeout: Option<std::time::Duration>,
    /// Where request spans go, when they are exported.
    #[cfg(feature = "otel")]
    telemetry: Option<crate::telemetry::Telemetry>,
    /// Stateless calls waiting for their client's answers.
    parked: input_required::Parked,
    /// Calls running (or kept, finished) as tasks.
    tasks: crate::tasks::Tasks,
    /// The skills served (the skills extension).
    skills: Arc<crate::skills::Skills>,
    /// Seals their `requestState`s.
    seal: request_state::StateSeal,
    /// What `State<T>` parameters receive.
    app_state: Arc<AppState>,
    /// What every call served here is lent (from `resources` and `prompts`).
    links: Arc<ServerLinks>,
}

/// What the calls of a server serving `resources` and `prompts` are lent.
fn links(resources: &Resources, prompts: &Prompts) -> Arc<ServerLinks> {
    Arc::new(ServerLinks {
        resource_updates: resources.updates().clone(),
        resource_switches: resources.switches().clone(),
        prompt_switches: prompts.switches().clone(),
    })
}

/// Entries per page of a list (`tools/list`, `resources/list`, …).
pub const DEFAULT_PAGE_SIZE: usize = 100;

impl Server {
    /// A server for `registry`.
    pub fn new(registry: impl Into<Arc<Registry>>, info: ServerInfo) -> Self {
        Self::with_page_size(registry, info, DEFAULT_PAGE_SIZE)
    }

    /// A server whose lists (`tools/list`, `resources/list`, `resources/templates/list`,
    /// `prompts/list`) return at most `page_size` entries per page.
    pub fn with_page_size(
        registry: impl Into<Arc<Registry>>,
        info: ServerInfo,
        page_size: usize,
    ) -> Self {
        let registry = registry.into();
        let resources = Arc::new(Resources::from_defs([]).expect("no resources is valid"));
        let prompts = Arc::new(Prompts::from_defs([]).expect("no prompts is valid"));
        Server {
            registry,
            links: links(&resources, &prompts),
            resources,
            prompts,
            info,
            tool_pages: Default::default(),
            resource_pages: Default::default(),
            template_pages: Default::default(),
            prompt_pages: Default::default(),
            page_size,
            listeners: Default::default(),
            closing: Default::default(),
            call_timeout: None,
            #[cfg(feature = "otel")]
            telemetry: None,
            parked: Default::default(),
            // A bad setting stops `App` at start-up (it checks first); here, the defaults.
            tasks: crate::tasks::Tasks::new(crate::tasks::Limits::from_env().unwrap_or_default()),
            skills: Default::default(),
            seal: request_state::StateSeal::random(),
            app_state: Default::default(),
        }
    }

    /// Seals `requestState`s with `key` instead of a random per-process key, so that replicas
    /// sharing it recognise each other's states: a call parked on another replica is then
    /// refused with a message saying so (route such requests to the replica that issued them),
    /// not as a forgery. `App` reads it from `STURDY_STATE_KEY`. Use at least 32 random bytes.
    pub fn with_state_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.seal = request_state::StateSeal::with_key(key.as_ref());
        self
    }

    /// Exports a span for every request to `telemetry` (see [`crate::telemetry`]).
    #[cfg(feature = "otel")]
    pub fn with_telemetry(mut self, telemetry: crate::telemetry::Telemetry) -> Self {
        self.telemetry = Some(telemetry);
        self
    }

    /// Bounds every `tools/call`: a call still running after `limit` is dropped and answered with
    /// a `timeout` tool error. Per-tool `#[timeout]`s still apply inside.
    pub fn with_call_timeout(mut self, limit: std::time::Duration) -> Self {
        self.call_timeout = Some(limit);
        self
    }

    /// Serves these resources (by default none): `Resources::from_inventory()` for every
    /// `#[resource]` linked into this binary.
    pub fn with_resources(mut self, resources: impl Into<Arc<Resources>>) -> Self {
        self.resources = resources.into();
        self.links = links(&self.resources, &self.prompts);
        self.resource_pages.clear();
        self.template_pages.clear();
        self
    }

    /// Serves these skills (the `io.modelcontextprotocol/skills` extension): `skills/list`,
    /// `skills/get`, and each file through `resources/read`.
    pub fn with_skills(mut self, skills: impl Into<Arc<crate::skills::Skills>>) -> Self {
        self.skills = skills.into();
        self
    }

    /// Serves these prompts (by default none): `Prompts::from_inventory()` for every `#[prompt]`
    /// linked into this binary.
    pub fn with_prompts(mut self, prompts: impl Into<Arc<Prompts>>) -> Self {
        self.prompts = prompts.into();
        self.links = links(&self.resources, &self.prompts);
        self.prompt_pages.clear();
        self
    }

    /// Hands `state` to every function taking a `State<T>` parameter. Call
    /// [`check_app_state`](Self::check_app_state) once everything is served (`App` does) so that
    /// a missing value is a start-up error rather than a failing call.
    pub fn with_app_state(mut self, state: AppState) -> Self {
        self.app_state = Arc::new(state);
        self
    }

    /// Whether every `State<T>` a served tool, resource or prompt takes was provided; the error
    /// names the first function that would miss its state, and the type.
    pub fn check_app_state(&self) -> Result<(), RegistryError> {
        let tools = self
            .registry
            .defs()
            .map(|d| (d.rust_path, d.location, d.states));
        let resources = self
            .resources
            .defs()
            .map(|d| (d.rust_path, d.location, d.states));
        let prompts = self
            .prompts
            .defs()
            .map(|d| (d.rust_path, d.location, d.states));
        match first_missing(&self.app_state, tools.chain(resources).chain(prompts)) {
            None => Ok(()),
            Some((function, location, type_name)) => Err(RegistryError::MissingState {
                function: function.to_owned(),
                location: location.to_owned(),
                type_name: type_name.to_owned(),
            }),
        }
    }

    /// A server for every `#[tool]`, `#[resource]` and `#[prompt]` linked into this binary.
    pub fn from_inventory(info: ServerInfo) -> Result<Self, RegistryError> {
        Ok(Self::new(Registry::from_inventory()?, info)
            .with_resources(Resources::from_inventory()?)
            .with_prompts(Prompts::from_inventory()?))
    }

    /// The prompts this server serves.
    pub fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    /// The resources this server serves.
    pub fn resources(&self) -> &Resources {
        &self.resources
    }

    /// The tools this server serves.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// How many calls run as tasks in this process.
    pub(crate) fn tasks_running(&self) -> usize {
        self.tasks.running()
    }

    /// Ends every stream that only listens for changes (`subscriptions/listen`, a 2025 session's
    /// GET stream), for good: they never end on their own, so a graceful shutdown calls this
    /// first, or it would wait its whole grace period for them. `transport::http::serve_http` does;
    /// call it yourself when you serve [`router`](crate::transport::http::router) another way.
    pub fn close_subscriptions(&self) {
        self.closing.cancel();
    }

    /// The pages of one list method (`tools/list`, `resources/list`, …) showing what is on now.
    fn list_pages(&self, method: Method) -> Option<Arc<ListPages>> {
        let size = self.page_size;
        Some(match method {
            Method::ToolsList => {
                let switches = self.registry.switches();
                self.tool_pages.get(switches.generation(), || {
                    let generation = switches.generation();
                    let tools: Vec<serde_json::Value> = self
                        .registry
                        .enabled_tools()
                        .map(|t| serde_json::to_value(t).expect("tool info serialises"))
                        .collect();
                    ListPages::new("tools", &tools, size, generation)
                })
            }
            Method::ResourcesList => {
                let generation = self.resources.switches().generation();
                self.resource_pages.get(generation, || {
                    let items = self.resources.enabled_listed();
                    ListPages::new("resources", &items, size, generation)
                })
            }
            Method::ResourcesTemplatesList => {
                let generation = self.resources.switches().generation();
                self.template_pages.get(generation, || {
                    let items = self.resources.enabled_templates_listed();
                    ListPages::new("resourceTemplates", &items, size, generation)
                })
            }
            Method::PromptsList => {
                let generation = self.prompts.switches().generation();
                self.prompt_pages.get(generation, || {
                    let items = self.prompts.enabled_listed();
                    ListPages::new("prompts", &items, size, generation)
                })
            }
            _ => return None,
        })
    }

    /// The name and version it reports.
    pub fn info(&self) -> &ServerInfo {
        &self.info
    }
}
