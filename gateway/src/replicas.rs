//! One upstream as the gateway calls it: its replicas (one for a command or a single URL, one per
//! URL of a list), each kept reachable, balanced in turn behind a breaker of its own; and what the
//! upstream lists, asked of the first replica that answers at start-up.

use crate::config::{OnDown, Upstream};
use crate::presence::Presence;
use crate::upstream::{Reach, Supervised};
use serde_json::Value;
use std::sync::Arc;
use sturdy_runtime::balancer::{LoadBalancer, Pick, Strategy};
use sturdy_runtime::client::{Client, ClientError};
use sturdy_runtime::ToolError;

/// The replicas of one upstream.
pub struct Replicas {
    name: String,
    balancer: LoadBalancer<Arc<Supervised>>,
    presence: Arc<Presence>,
}

/// A replica picked for one call: the client to call through, and the pick to report on.
pub struct Picked<'a> {
    pick: Pick<'a, Arc<Supervised>>,
    pub client: Arc<Client>,
}

impl Replicas {
    /// Its name in the configuration.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether its entries are listed.
    pub fn presence(&self) -> &Arc<Presence> {
        &self.presence
    }

    /// A replica to call through: the next in turn that is up and whose breaker admits the call;
    /// an `unavailable` error when none is.
    pub fn pick(&self) -> Result<Picked<'_>, ToolError> {
        // Round robin moves on at each pick: as many picks as replicas see each one once (a
        // replica down is passed over without a report: it is being opened again).
        for _ in 0..self.balancer.len() {
            let pick = self.balancer.pick()?;
            if let Some(client) = pick.value().client() {
                return Ok(Picked { pick, client });
            }
        }
        Err(ToolError::Unavailable {
            message: format!("{}: down (being started again)", self.name),
            retry_after: None,
        })
    }
}

impl Picked<'_> {
    /// Reports what came of the call: an answer (a result, or an error the upstream gave) keeps
    /// the replica's breaker closed; no answer (lost, timed out, broken) counts against it, and a
    /// lost connection is opened again.
    pub fn report<T>(self, outcome: &Result<T, ClientError>) {
        match outcome {
            Ok(_) | Err(ClientError::Rpc { .. }) => self.pick.success(),
            Err(e) => {
                self.pick.value().failed(&self.client, e);
                self.pick.failure();
            }
        }
    }
}

/// An upstream reached: its replicas, and what it lists.
pub struct Connected {
    pub upstream: Arc<Replicas>,
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

/// Starts or opens every replica of upstream `name` at once and asks the first that answers
/// what it lists; the replicas that could not be reached are opened again in the background.
/// An error when none could.
pub async fn connect(name: &str, upstream: &Upstream) -> Result<Connected, String> {
    let reaches = Reach::all(name, upstream);
    let start_timeout = reaches[0].start_timeout();
    let opened = futures_util::future::join_all(reaches.iter().map(|reach| async move {
        tokio::time::timeout(start_timeout, reach.open())
            .await
            .map_err(|_| format!("not ready within {start_timeout:?}"))
            .and_then(|opened| opened)
            .map_err(|why| format!("{}: {why}", reach.describe()))
    }))
    .await;
    let mut lists: Option<Lists> = None;
    let mut failures = Vec::new();
    let mut replicas = Vec::new();
    for (reach, opened) in reaches.into_iter().zip(opened) {
        let client = match opened {
            Ok(client) => Some(client),
            Err(why) => {
                failures.push(why);
                None
            }
        };
        if let (None, Some(client)) = (&lists, &client) {
            let listed = tokio::time::timeout(start_timeout, Lists::of(client)).await;
            match listed {
                Ok(Ok(listed)) => lists = Some(listed),
                Ok(Err(e)) => failures.push(format!("{}: {e}", reach.describe())),
                Err(_) => failures.push(format!(
                    "{}: did not list within {start_timeout:?}",
                    reach.describe()
                )),
            }
        }
        replicas.push((reach, client));
    }
    // None answered: nothing is kept (nor opened again).
    let Some(lists) = lists else {
        return Err(failures.join("; "));
    };
    for why in &failures {
        tracing::warn!(target: "sturdy_gateway", upstream = %name, "replica down at start-up, opened again in the background: {why}");
    }
    let up = replicas
        .iter()
        .filter(|(_, client)| client.is_some())
        .count();
    let presence = Presence::new(up, upstream.on_down == OnDown::Hide);
    let balancer = replicas
        .into_iter()
        .fold(
            LoadBalancer::builder(Strategy::RoundRobin),
            |b, (reach, client)| {
                let replica = Supervised::start(reach, client, presence.clone());
                b.instance(replica.how(), replica)
            },
        )
        .build();
    Ok(Connected {
        upstream: Arc::new(Replicas {
            name: name.to_owned(),
            balancer,
            presence,
        }),
        tools: lists.tools,
        resources: lists.resources,
        templates: lists.templates,
        prompts: lists.prompts,
        completes: lists.completes,
    })
}
