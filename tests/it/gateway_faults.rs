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
def on_call(id, name, request):
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
serve("hostile", [tool(n) for n in ["garbage", "huge", "hang", "echo"]], on_call)
"#;

fn config() -> String {
    let hostile = support::python::scripted_server(HOSTILE);
    format!(
        "name = \"g\"\n\
         [upstreams.hostile]\ncommand = [\"python3\", \"-c\", {hostile:?}]\n\
         rate_limited = {{ calls = 3, per = \"60s\", key = \"client\" }}\n\
         [upstreams.hostile.tool.huge]\ntimeout = \"2s\"\n\
         [upstreams.hostile.tool.hang]\ntimeout = \"1s\"\n\
         circuit_breaker = {{ threshold = 2, recovery = \"60s\" }}\n\
         rate_limited = {{ calls = 100, per = \"60s\" }}\n\
         [upstreams.calm]\ncommand = [\"python3\", \"-c\", {hostile:?}]\n"
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

/// An upstream that exits when `die` is called, and will not start again while the file named by
/// `MARKER` exists (its `die` creates it).
const STUBBORN: &str = r#"
import os
marker = os.environ["MARKER"]
if os.path.exists(marker):
    sys.exit(1)
def on_call(id, name, request):
    open(marker, "w").close()
    sys.exit(1)
serve("stubborn", [tool("die")], on_call)
"#;

/// Waits for the gateway to say its tool list changed (at most `limit`).
async fn list_changed(
    notes: &mut tokio::sync::broadcast::Receiver<serde_json::Value>,
    limit: Duration,
) {
    let waited = tokio::time::timeout(limit, async {
        loop {
            match notes.recv().await {
                Ok(note) if note["method"] == "notifications/tools/list_changed" => return,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
    })
    .await;
    assert!(waited.is_ok(), "no tools/list_changed within {limit:?}");
}

/// With `on_down = "hide"`, an upstream that is down leaves the tool list (the clients told it
/// changed) and comes back with its process; the other upstream stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_upstream_leaves_the_list_while_down() {
    let gateway = support::build_gateway();
    let dir = support::temp::Dir::new();
    let marker = dir.path().join("down");
    let (stubborn, hostile) = (
        support::python::scripted_server(STUBBORN),
        support::python::scripted_server(HOSTILE),
    );
    let config = dir.file(
        "gateway.toml",
        &format!(
            "name = \"g\"\n\
             [upstreams.stubborn]\ncommand = [\"python3\", \"-c\", {stubborn:?}]\n\
             env = {{ MARKER = {:?} }}\non_down = \"hide\"\n\
             [upstreams.steady]\ncommand = [\"python3\", \"-c\", {hostile:?}]\n\
             tools = {{ allow = [\"echo\"] }}\n",
            marker.to_string_lossy()
        ),
    );
    let mut command = tokio::process::Command::new(&gateway);
    command.arg("--config").arg(&config);
    let client = Client::builder().stdio(command).await.unwrap();
    let names = |tools: Vec<serde_json::Value>| support::sorted(&tools, "name");
    assert_eq!(
        names(client.list_tools().await.unwrap()),
        ["steady__echo", "stubborn__die"]
    );
    let mut notes = client.notifications();
    let died = client.call_tool("stubborn__die", json!({})).await.unwrap();
    assert!(died.is_error(), "{died:?}");
    list_changed(&mut notes, Duration::from_secs(10)).await;
    assert_eq!(names(client.list_tools().await.unwrap()), ["steady__echo"]);

    // It can start again: it comes back, and so do its tools.
    std::fs::remove_file(&marker).unwrap();
    list_changed(&mut notes, Duration::from_secs(30)).await;
    assert_eq!(
        names(client.list_tools().await.unwrap()),
        ["steady__echo", "stubborn__die"]
    );
}

/// An upstream whose `wait` never answers, and which writes each cancellation it is sent (the
/// request id) to the file named by `CANCELLED`.
const PATIENT: &str = r#"
import os
waiting = set()
def on_call(id, name, request):
    if name == "wait":
        waiting.add(id)
    else:
        text(id, "here")
def on_notification(request):
    if request["method"] == "notifications/cancelled" and request["params"]["requestId"] in waiting:
        with open(os.environ["CANCELLED"], "a") as f:
            f.write(str(request["params"]["requestId"]) + "\n")
serve("patient", [tool("wait"), tool("echo")], on_call, on_notification)
"#;

/// A caller that stops waiting cancels its call at the gateway, and the gateway cancels the
/// upstream's request: the upstream is told, and the gateway goes on serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_call_is_cancelled_upstream() {
    let gateway = support::build_gateway();
    let dir = support::temp::Dir::new();
    let cancelled = dir.path().join("cancelled");
    let patient = support::python::scripted_server(PATIENT);
    let config = dir.file(
        "gateway.toml",
        &format!(
            "name = \"g\"\n[upstreams.patient]\ncommand = [\"python3\", \"-c\", {patient:?}]\n\
             env = {{ CANCELLED = {:?} }}\n",
            cancelled.to_string_lossy()
        ),
    );
    let mut command = tokio::process::Command::new(&gateway);
    command.arg("--config").arg(&config);
    let client = Client::builder().stdio(command).await.unwrap();
    // The caller stops waiting: its client tells the gateway the call is cancelled.
    let gave_up = tokio::time::timeout(
        Duration::from_millis(500),
        client.call_tool("patient__wait", json!({})),
    )
    .await;
    assert!(gave_up.is_err(), "the upstream never answers");
    let started = std::time::Instant::now();
    let told = loop {
        if let Ok(text) = std::fs::read_to_string(&cancelled) {
            break text;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the upstream was not told the call is cancelled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(told.lines().count(), 1, "{told}");
    let here = client.call_tool("patient__echo", json!({})).await.unwrap();
    assert_eq!(here.text(), "here");
}
