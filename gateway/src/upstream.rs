//! Reaching one upstream server: its process started (stdio) or its URL opened (HTTP) with
//! `sturdy_runtime::client`, within its start timeout, and its tools listed.

use crate::config::Upstream;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use sturdy_runtime::client::Client;

/// How long starting and initializing an upstream may take, unless it says.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one tool call may take, unless the upstream says.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// An upstream reached: its client and the tools it lists.
pub struct Connected {
    pub client: Arc<Client>,
    pub tools: Vec<Value>,
}

/// Starts or opens upstream `name` and lists its tools.
pub async fn connect(name: &str, upstream: &Upstream) -> Result<Connected, String> {
    let start_timeout = upstream.start_timeout.unwrap_or(START_TIMEOUT);
    // The client's own timeout bounds each call beyond the policy's, so that nothing waits on
    // a silent upstream for ever.
    let call_timeout = upstream.timeout.unwrap_or(CALL_TIMEOUT) + Duration::from_secs(1);
    let builder = Client::builder().name(name).timeout(call_timeout);
    let opened = async {
        let client = match (&upstream.command, &upstream.url) {
            (Some(command), _) => {
                let mut process = tokio::process::Command::new(&command[0]);
                process.args(&command[1..]).envs(&upstream.env);
                builder.stdio(process).await
            }
            (None, Some(urls)) => {
                let mut builder = builder;
                for (header, value) in &upstream.headers {
                    builder = builder.header(header, value);
                }
                // Replicas beyond the first are not balanced yet: the first is used.
                builder.http(urls.list()[0]).await
            }
            (None, None) => unreachable!("checked when the configuration loaded"),
        }
        .map_err(|e| e.to_string())?;
        let tools = client.list_tools().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(Connected {
            client: Arc::new(client),
            tools,
        })
    };
    // Errors name the upstream and how it was reached.
    let reached = match (&upstream.command, &upstream.url) {
        (Some(command), _) => command.join(" "),
        (None, Some(urls)) => urls.list()[0].to_owned(),
        (None, None) => String::new(),
    };
    tokio::time::timeout(start_timeout, opened)
        .await
        .map_err(|_| format!("{name} ({reached}): not ready within {start_timeout:?}"))?
        .map_err(|e| format!("{name} ({reached}): {e}"))
}
