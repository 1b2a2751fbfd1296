//! Reaching one upstream server and keeping it reachable: its process started (stdio) or its URL
//! opened (HTTP) with `sturdy_runtime::client`, within its start timeout, its tools listed; when
//! the connection is lost (the process exited, the session ended), a new one is opened in the
//! background, with a growing wait between tries, while calls fail fast (and count against
//! their breakers).

use crate::config::Upstream;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sturdy_runtime::client::{Client, ClientError};

/// How long starting and initializing an upstream may take, unless it says.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one tool call may take, unless the upstream says.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The first wait before a lost upstream is started again, and the longest.
const FIRST_WAIT: Duration = Duration::from_millis(250);
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// How to reach one upstream.
#[derive(Clone)]
struct Reach {
    name: String,
    command: Option<Vec<String>>,
    env: Vec<(String, String)>,
    url: Option<String>,
    headers: Vec<(String, String)>,
    start_timeout: Duration,
    call_timeout: Duration,
    log_level: String,
}

impl Reach {
    fn of(name: &str, upstream: &Upstream) -> Reach {
        Reach {
            name: name.to_owned(),
            command: upstream.command.clone(),
            env: upstream.env.clone().into_iter().collect(),
            // Replicas beyond the first are not balanced yet: the first is used.
            url: upstream.url.as_ref().map(|u| u.list()[0].to_owned()),
            headers: upstream.headers.clone().into_iter().collect(),
            start_timeout: upstream.start_timeout.unwrap_or(START_TIMEOUT),
            // The client's own timeout bounds each call beyond the policy's, so that nothing
            // waits on a silent upstream for ever.
            call_timeout: upstream.timeout.unwrap_or(CALL_TIMEOUT) + Duration::from_secs(1),
            log_level: upstream.log_level.clone().unwrap_or_else(|| "info".into()),
        }
    }

    /// What errors say of how it is reached.
    fn describe(&self) -> String {
        let how = match (&self.command, &self.url) {
            (Some(command), _) => command.join(" "),
            (None, Some(url)) => url.clone(),
            (None, None) => String::new(),
        };
        format!("{} ({how})", self.name)
    }

    /// A client of it, initialized, within the start timeout.
    async fn open(&self) -> Result<Client, String> {
        // The questions an upstream asks go to the caller of the call they belong to (see
        // `tools.rs`); these answer those that belong to none: nothing is shown, nothing is
        // shared, and a sampling request is refused (no caller's model is used for another).
        let builder = Client::builder()
            .name(&self.name)
            .timeout(self.call_timeout)
            .on_elicitation(|_| async { serde_json::json!({"action": "decline"}) })
            .on_roots(|_| async { serde_json::json!({"roots": []}) })
            .capability("sampling", serde_json::json!({}));
        let opened = async {
            match (&self.command, &self.url) {
                (Some(command), _) => {
                    let mut process = tokio::process::Command::new(&command[0]);
                    process.args(&command[1..]).envs(self.env.iter().cloned());
                    builder.stdio(process).await
                }
                (None, Some(url)) => {
                    let mut builder = builder;
                    for (header, value) in &self.headers {
                        builder = builder.header(header, value);
                    }
                    builder.http(url).await
                }
                (None, None) => unreachable!("checked when the configuration loaded"),
            }
        };
        let client = tokio::time::timeout(self.start_timeout, opened)
            .await
            .map_err(|_| format!("not ready within {:?}", self.start_timeout))?
            .map_err(|e| e.to_string())?;
        self.ask_for_logs(&client).await;
        Ok(client)
    }

    /// Asks an upstream that logs, in a session, for its messages from the configured level
    /// on: they reach the callers whose calls they belong to, at the levels those asked for.
    async fn ask_for_logs(&self, client: &Client) {
        let info = client.server_info();
        let session = info["protocolVersion"] != "2026-07-28";
        if !session || info["capabilities"].get("logging").is_none() {
            return;
        }
        let asked = client
            .request(
                "logging/setLevel",
                serde_json::json!({"level": self.log_level}),
            )
            .await;
        if let Err(e) = asked {
            tracing::warn!(target: "sturdy_gateway", upstream = %self.name, "logging/setLevel refused: {e}");
        }
    }
}

/// An upstream kept reachable: the client calls go through now.
pub struct Supervised {
    reach: Reach,
    client: Mutex<Arc<Client>>,
    restarting: AtomicBool,
}

impl Supervised {
    /// Its name in the configuration.
    pub fn name(&self) -> &str {
        &self.reach.name
    }

    /// The client to call through now.
    pub fn client(&self) -> Arc<Client> {
        self.client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A call through `used` failed with `error`: when that says the connection is over, a new
    /// one is opened in the background (one at a time).
    pub fn failed(self: &Arc<Self>, used: &Arc<Client>, error: &ClientError) {
        let lost = match error {
            ClientError::Closed(_) => true,
            ClientError::MayHaveRun { cause, .. } => matches!(**cause, ClientError::Closed(_)),
            _ => false,
        };
        if !lost || !Arc::ptr_eq(used, &self.client()) {
            return;
        }
        if self.restarting.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut wait = FIRST_WAIT;
            loop {
                tokio::time::sleep(wait).await;
                match this.reach.open().await {
                    Ok(client) => {
                        *this.client.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(client);
                        tracing::warn!(target: "sturdy_gateway", upstream = %this.reach.name, "upstream back");
                        break;
                    }
                    Err(why) => {
                        tracing::warn!(
                            target: "sturdy_gateway",
                            upstream = %this.reach.name,
                            "upstream still down: {why}; next try in {:?}",
                            wait * 2
                        );
                        wait = (wait * 2).min(LONGEST_WAIT);
                    }
                }
            }
            this.restarting.store(false, Ordering::Release);
        });
    }
}

/// An upstream reached: kept reachable, and what it lists.
pub struct Connected {
    pub upstream: Arc<Supervised>,
    pub tools: Vec<Value>,
    pub resources: Vec<Value>,
    pub templates: Vec<Value>,
    pub prompts: Vec<Value>,
    /// Whether it completes arguments (`completion/complete`).
    pub completes: bool,
}

/// What an upstream lists, each list asked only when its capabilities offer it.
struct Lists {
    tools: Vec<Value>,
    resources: Vec<Value>,
    templates: Vec<Value>,
    prompts: Vec<Value>,
    completes: bool,
}

impl Lists {
    async fn of(client: &Client) -> Result<Lists, ClientError> {
        let offers = |what: &str| client.server_info()["capabilities"].get(what).is_some();
        let mut lists = Lists {
            tools: Vec::new(),
            resources: Vec::new(),
            templates: Vec::new(),
            prompts: Vec::new(),
            completes: offers("completions"),
        };
        if offers("tools") {
            lists.tools = client.list_tools().await?;
        }
        if offers("resources") {
            lists.resources = client.list_resources().await?;
            lists.templates = client.list_resource_templates().await?;
        }
        if offers("prompts") {
            lists.prompts = client.list_prompts().await?;
        }
        Ok(lists)
    }
}

/// Starts or opens upstream `name` and asks what it lists.
pub async fn connect(name: &str, upstream: &Upstream) -> Result<Connected, String> {
    let reach = Reach::of(name, upstream);
    let listed = async {
        let client = reach.open().await?;
        let lists = Lists::of(&client).await.map_err(|e| e.to_string())?;
        Ok::<_, String>((client, lists))
    };
    let (client, lists) = tokio::time::timeout(reach.start_timeout, listed)
        .await
        .map_err(|_| format!("not ready within {:?}", reach.start_timeout))
        .and_then(|opened| opened)
        .map_err(|why| format!("{}: {why}", reach.describe()))?;
    Ok(Connected {
        upstream: Arc::new(Supervised {
            reach,
            client: Mutex::new(Arc::new(client)),
            restarting: AtomicBool::new(false),
        }),
        tools: lists.tools,
        resources: lists.resources,
        templates: lists.templates,
        prompts: lists.prompts,
        completes: lists.completes,
    })
}
