//! `sturdy-gateway` in front of an upstream with replicas: three URLs of the official
//! `@modelcontextprotocol/server-everything` over Streamable HTTP, one of them down from the
//! start. Calls go to the live ones in turn; when one dies, its calls go to the other, a call
//! in flight on it repeated there (the tool is read-only).

use crate::support;
use serde_json::json;
use std::time::Duration;
use sturdy::client::Client;

/// Which replica answered `get-env` (each is started with its own `REPLICA`).
async fn replica(client: &Client) -> String {
    let answer = client
        .call_tool("everything__get-env", json!({}))
        .await
        .unwrap();
    assert!(!answer.is_error(), "{answer:?}");
    let env: serde_json::Value = serde_json::from_str(&answer.text()).unwrap();
    env["REPLICA"].as_str().unwrap_or("?").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_go_to_the_live_replicas_in_turn() {
    let gateway = support::build_gateway();
    let (one, one_port) =
        support::everything::over_http("streamableHttp", &[("REPLICA", "one")]).await;
    let (_two, two_port) =
        support::everything::over_http("streamableHttp", &[("REPLICA", "two")]).await;
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let url = |port: u16| format!("http://127.0.0.1:{port}/mcp");
    let (_dir, config) = support::temp::file(
        "gateway.toml",
        &format!(
            "name = \"g\"\n[upstreams.everything]\nurl = [{:?}, {:?}, {:?}]\n\
             tools = {{ allow = [\"get-env\"] }}\nstart_timeout = \"5s\"\nretry = {{ max = 2 }}\n",
            url(one_port),
            url(dead_port),
            url(two_port)
        ),
    );
    let mut command = tokio::process::Command::new(&gateway);
    command.arg("--config").arg(&config);
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .stdio(command)
        .await
        .unwrap();

    // In turn, the dead one passed over.
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(replica(&client).await);
    }
    seen.sort();
    assert_eq!(seen, ["one", "one", "two", "two"]);

    // One dies: every call goes to the other, none fails.
    drop(one);
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..4 {
        assert_eq!(replica(&client).await, "two");
    }
}
