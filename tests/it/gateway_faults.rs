//! `sturdy-gateway` in front of upstreams that misbehave, and a caller that floods: an upstream
//! that writes garbage, one that writes a message larger than the gateway reads, one that hangs
//! (its timeout, then its breaker answering at once); a caller over one upstream's limit while
//! the other upstream serves it.

use crate::support;
use serde_json::json;
use std::time::Duration;
use sturdy::client::Client;

/// An upstream whose tools misbehave on purpose: `garbage` answers after lines that are not
/// its answer, `huge` answers with a 20 MiB line, `hang` never answers, `echo` echoes.
const HOSTILE: &str = r#"
import json, sys
def say(m):
    sys.stdout.write(json.dumps(m) + "\n"); sys.stdout.flush()
def text(id, t):
    say({"jsonrpc": "2.0", "id": id, "result": {"content": [{"type": "text", "text": t}]}})
tools = [{"name": n, "inputSchema": {"type": "object"}} for n in ["garbage", "huge", "hang", "echo"]]
for line in sys.stdin:
    request = json.loads(line)
    method, id = request.get("method"), request.get("id")
    if method == "initialize":
        say({"jsonrpc": "2.0", "id": id, "result": {"protocolVersion": "2025-11-25",
            "capabilities": {"tools": {}}, "serverInfo": {"name": "hostile", "version": "0"}}})
    elif method == "tools/list":
        say({"jsonrpc": "2.0", "id": id, "result": {"tools": tools}})
    elif method == "tools/call":
        name = request["params"]["name"]
        if name == "garbage":
            sys.stdout.write("this is not JSON\n")
            sys.stdout.write("[1, 2, 3]\n")
            sys.stdout.write("\x00\x01\x02\n")
            say({"jsonrpc": "2.0", "id": 999999, "result": {"content": []}})
            text(id, "fine after garbage")
        elif name == "huge":
            text(id, "x" * (20 << 20))
        elif name == "hang":
            pass
        else:
            text(id, json.dumps(request["params"].get("arguments")))
"#;

fn config() -> String {
    format!(
        "name = \"g\"\n\
         [upstreams.hostile]\ncommand = [\"python3\", \"-c\", {HOSTILE:?}]\n\
         rate_limited = {{ calls = 3, per = \"60s\", key = \"client\" }}\n\
         [upstreams.hostile.tool.huge]\ntimeout = \"2s\"\n\
         [upstreams.hostile.tool.hang]\ntimeout = \"1s\"\n\
         circuit_breaker = {{ threshold = 2, recovery = \"60s\" }}\n\
         rate_limited = {{ calls = 100, per = \"60s\" }}\n\
         [upstreams.calm]\ncommand = [\"python3\", \"-c\", {HOSTILE:?}]\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_upstreams_and_a_flooding_caller_are_contained() {
    let gateway = support::build_gateway();
    let (_dir, config) = support::temp::file("gateway.toml", &config());
    let config = config.to_string_lossy().into_owned();
    let served = support::HttpServer::start_with_env(
        &gateway,
        &[("STURDY_GATEWAY_CONFIG", config.as_str())],
    );
    let url = served.url();
    let client = || {
        Client::builder()
            .timeout(Duration::from_secs(30))
            .http(&url)
    };
    let first = client().await.unwrap();

    // Lines that are not its answer are dropped; the answer gets through.
    let garbage = first
        .call_tool("hostile__garbage", json!({}))
        .await
        .unwrap();
    assert_eq!(garbage.text(), "fine after garbage", "{garbage:?}");

    // A message larger than the gateway reads is dropped, never held: the call times out.
    let huge = first.call_tool("hostile__huge", json!({})).await.unwrap();
    assert_eq!(huge.error_kind(), Some("timeout"), "{huge:?}");

    // A call that never ends times out; after two, the breaker answers at once.
    for _ in 0..2 {
        let hung = first.call_tool("hostile__hang", json!({})).await.unwrap();
        assert_eq!(hung.error_kind(), Some("timeout"), "{hung:?}");
    }
    let started = std::time::Instant::now();
    let open = first.call_tool("hostile__hang", json!({})).await.unwrap();
    assert_eq!(open.error_kind(), Some("circuit_open"), "{open:?}");
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "an open breaker waits for nothing"
    );

    // Three calls a minute per caller: the first caller's fourth is refused...
    for n in 0..3 {
        let echoed = first
            .call_tool("hostile__echo", json!({"n": n}))
            .await
            .unwrap();
        let echoed: serde_json::Value = serde_json::from_str(&echoed.text()).unwrap();
        assert_eq!(echoed, json!({"n": n}));
    }
    let limited = first
        .call_tool("hostile__echo", json!({"n": 3}))
        .await
        .unwrap();
    assert_eq!(limited.error_kind(), Some("rate_limited"), "{limited:?}");
    // ...while another upstream serves it.
    let calm = first
        .call_tool("calm__echo", json!({"n": 4}))
        .await
        .unwrap();
    assert!(!calm.is_error(), "{calm:?}");

    // Through all of it, the gateway kept serving, and exits cleanly.
    let stopped = served.stop();
    support::assert_clean_exit(&stopped, "the gateway");
}
