//! Replicas of one MCP server, balanced: [`McpUpstreams`] keeps a [`Client`] per replica
//! (connected at its first pick, again after its connection is lost) behind the balancer's
//! strategy and a circuit breaker per replica. A call that got no answer (a timeout, a lost
//! connection) counts against its replica and goes to the next one, when the tool may be
//! repeated; a server's own error is an answer, not a failure of the replica.

use super::{Client, ClientBuilder, ClientError, ToolResult};
use crate::balancer::{LoadBalancer, Strategy};
use serde_json::Value;
use std::sync::Arc;

/// One replica: where it is, and its session once opened.
pub struct Replica {
    url: String,
    client: tokio::sync::Mutex<Option<Arc<Client>>>,
}

/// Replicas of one MCP server over Streamable HTTP, balanced, each behind its breaker.
///
/// ```no_run
/// # async fn demo() -> Result<(), sturdy_runtime::client::ClientError> {
/// use sturdy_runtime::balancer::Strategy;
/// use sturdy_runtime::client::{Client, McpUpstreams};
///
/// let search = McpUpstreams::new(
///     Strategy::RoundRobin,
///     [("a", "http://10.0.0.1:8000/mcp"), ("b", "http://10.0.0.2:8000/mcp")],
///     Client::builder().bearer("token"),
/// );
/// let found = search.call_tool("search", serde_json::json!({"q": "sturdy"})).await?;
/// # let _ = found;
/// # Ok(()) }
/// ```
pub struct McpUpstreams {
    replicas: LoadBalancer<Replica>,
    builder: ClientBuilder,
}

impl std::fmt::Debug for McpUpstreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpUpstreams")
            .field("replicas", &self.replicas)
            .finish_non_exhaustive()
    }
}

impl McpUpstreams {
    /// The replicas at `urls` (name, URL), picked by `strategy`, each connected with `builder`
    /// (its handlers, timeout, headers) when first used.
    pub fn new<N: Into<String>, U: Into<String>>(
        strategy: Strategy,
        urls: impl IntoIterator<Item = (N, U)>,
        builder: ClientBuilder,
    ) -> McpUpstreams {
        let replicas = urls.into_iter().map(|(name, url)| {
            (
                name,
                Replica {
                    url: url.into(),
                    client: tokio::sync::Mutex::new(None),
                },
            )
        });
        McpUpstreams {
            replicas: LoadBalancer::new(strategy, replicas),
            builder,
        }
    }

    /// The balancer: its replicas' breakers and statistics.
    pub fn balancer(&self) -> &LoadBalancer<Replica> {
        &self.replicas
    }

    /// Replica `replica`'s session, opened if it has none.
    async fn client(&self, replica: &Replica) -> Result<Arc<Client>, ClientError> {
        let mut client = replica.client.lock().await;
        if let Some(open) = client.as_ref() {
            return Ok(open.clone());
        }
        let opened = Arc::new(self.builder.clone().http(&replica.url).await?);
        // Its tools' hints say which calls may be repeated on another replica.
        opened.list_tools().await?;
        *client = Some(opened.clone());
        Ok(opened)
    }

    /// Calls tool `name` on a replica; on another when the call got no answer and the tool may
    /// be repeated, until every replica was tried or none is available.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<ToolResult, ClientError> {
        let mut last = None;
        for _ in 0..self.replicas.len() {
            let pick = match self.replicas.pick() {
                Ok(pick) => pick,
                Err(none) => {
                    return Err(last.unwrap_or_else(|| ClientError::Closed(none.to_string())))
                }
            };
            let replica = pick.value();
            let answer = match self.client(replica).await {
                Ok(client) => client.call_tool(name, arguments.clone()).await,
                Err(e) => Err(e),
            };
            match answer {
                Ok(result) => {
                    pick.success();
                    return Ok(result);
                }
                // The server answered: it is alive.
                Err(e @ (ClientError::Rpc { .. } | ClientError::Protocol(_))) => {
                    pick.success();
                    return Err(e);
                }
                Err(e) => {
                    pick.failure();
                    if matches!(e, ClientError::Closed(_) | ClientError::MayHaveRun { .. }) {
                        // Reconnect at its next pick.
                        *replica.client.lock().await = None;
                    }
                    if matches!(e, ClientError::MayHaveRun { .. }) {
                        return Err(e);
                    }
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| ClientError::Closed("no replica".into())))
    }

    /// Pings every replica, reporting each outcome to its breaker: a replica that does not
    /// answer opens its breaker (after the breaker's threshold) without a call having to fail.
    pub async fn check_health(&self) {
        for _ in 0..self.replicas.len() {
            let Ok(pick) = self.replicas.pick() else {
                return;
            };
            let replica = pick.value();
            let alive = match self.client(replica).await {
                Ok(client) => client.ping().await.is_ok(),
                Err(_) => false,
            };
            if alive {
                pick.success();
            } else {
                *replica.client.lock().await = None;
                pick.failure();
            }
        }
    }
}
