//! Reaching one upstream server (one replica of it) and keeping it reachable: its process started
//! (stdio) or its URL opened (HTTP) with `sturdy_runtime::client`, within its start timeout; when
//! the connection is lost (the process exited, the session ended), or could not be made at
//! start-up, a new one is opened in the background, with a growing wait between tries, while
//! calls go to the other replicas or fail fast.

use crate::config::Upstream;
use crate::presence::Presence;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sturdy_runtime::client::{Client, ClientError};

/// How long starting and initializing an upstream may take, unless it says.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one tool call may take, unless the upstream says.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The first wait before a lost upstream is started again, and the longest.
const FIRST_WAIT: Duration = Duration::from_millis(250);
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// How to reach one replica of an upstream.
#[derive(Clone)]
pub struct Reach {
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
    /// How to reach each replica of upstream `name`: its command, or each of its URLs.
    pub fn all(name: &str, upstream: &Upstream) -> Vec<Reach> {
        match &upstream.url {
            Some(urls) => urls
                .list()
                .into_iter()
                .map(|url| Reach::of(name, upstream, Some(url.to_owned())))
                .collect(),
            None => vec![Reach::of(name, upstream, None)],
        }
    }

    fn of(name: &str, upstream: &Upstream, url: Option<String>) -> Reach {
        Reach {
            name: name.to_owned(),
            command: upstream.command.clone(),
            env: upstream.env.clone().into_iter().collect(),
            url,
            headers: upstream.headers.clone().into_iter().collect(),
            start_timeout: upstream.start_timeout.unwrap_or(START_TIMEOUT),
            // The client's own timeout bounds each call beyond the policy's, so that nothing
            // waits on a silent upstream for ever.
            call_timeout: upstream.timeout.unwrap_or(CALL_TIMEOUT) + Duration::from_secs(1),
            log_level: upstream.log_level.clone().unwrap_or_else(|| "info".into()),
        }
    }

    /// How it is reached: its command or its URL.
    pub fn how(&self) -> String {
        match (&self.command, &self.url) {
            (Some(command), _) => command.join(" "),
            (None, Some(url)) => url.clone(),
            (None, None) => String::new(),
        }
    }

    /// What errors say of how it is reached.
    pub fn describe(&self) -> String {
        let how = self.how();
        format!("{} ({how})", self.name)
    }

    /// How long starting it may take.
    pub fn start_timeout(&self) -> Duration {
        self.start_timeout
    }

    /// A client of it, initialized, within the start timeout.
    pub async fn open(&self) -> Result<Client, String> {
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

/// A replica kept reachable: the client calls go through now, while it has one.
pub struct Supervised {
    reach: Reach,
    client: Mutex<Option<Arc<Client>>>,
    restarting: AtomicBool,
    /// Told when it comes up and goes down.
    presence: Arc<Presence>,
}

impl Supervised {
    /// `reach` kept reachable from `opened` on: when it could not be opened, it is opened again
    /// in the background.
    pub fn start(reach: Reach, opened: Option<Client>, presence: Arc<Presence>) -> Arc<Supervised> {
        let down = opened.is_none();
        let supervised = Arc::new(Supervised {
            reach,
            client: Mutex::new(opened.map(Arc::new)),
            restarting: AtomicBool::new(false),
            presence,
        });
        if down {
            supervised.restart();
        }
        supervised
    }

    /// How it is reached.
    pub fn how(&self) -> String {
        self.reach.how()
    }

    /// The client to call through now, unless it is down.
    pub fn client(&self) -> Option<Arc<Client>> {
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
        let current = self.client().is_some_and(|c| Arc::ptr_eq(used, &c));
        if !lost || !current {
            return;
        }
        let was_up = self
            .client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .is_some();
        if was_up {
            self.presence.replica_down();
        }
        self.restart();
    }

    /// Opens it again in the background, with a doubling wait, unless that is under way.
    fn restart(self: &Arc<Self>) {
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
                        *this.client.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(Arc::new(client));
                        this.presence.replica_up();
                        tracing::warn!(target: "sturdy_gateway", upstream = %this.reach.name, at = %this.reach.how(), "upstream back");
                        break;
                    }
                    Err(why) => {
                        tracing::warn!(
                            target: "sturdy_gateway",
                            upstream = %this.reach.name,
                            at = %this.reach.how(),
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
