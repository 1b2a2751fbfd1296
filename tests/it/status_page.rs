//! The live status page as a person sees it: the example server over HTTP, the page loaded in a
//! real headless browser (Debian's `chromium`), its screenshot written under `target/`.

use crate::support;
use serde_json::json;
use std::time::{Duration, SystemTime};
use support::chromium;

/// A call of `tool` with `arguments`, answered.
fn call(url: &str, tool: &str, arguments: serde_json::Value) {
    let status = support::call_over_http(url, tool, arguments, &[]);
    assert!(status.is_success(), "{tool}: {status}");
}

/// The page lists the server's tools with their policies; once an upstream fails under a
/// breaker, the page shows the breaker open; what a person would see is saved as a screenshot.
#[test]
fn the_status_page_shows_tools_and_a_breaker_opening() {
    let server = support::HttpServer::start(&support::build_example("tool_server"));
    let mcp = server.url();
    let page = mcp.replace("/mcp", "/status");

    let before = chromium::dom(&page, 1500);
    assert!(before.contains("sturdy-tool-server"), "{before}");
    for tool in ["resilient_api_call", "fibonacci", "rate_limited_operation"] {
        assert!(
            before.contains(&format!(">{tool}<")),
            "{tool} missing:\n{before}"
        );
    }
    assert!(
        before.contains(">circuit_breaker<"),
        "policies shown:\n{before}"
    );
    assert!(!before.contains("state open"), "{before}");

    // Port 9 refuses connections: three failures open the breaker under the call's retries.
    call(
        &mcp,
        "resilient_api_call",
        json!({"url": "http://127.0.0.1:9/x"}),
    );
    call(&mcp, "fibonacci", json!({"n": 30}));
    call(&mcp, "fibonacci", json!({"n": 30}));
    let after = chromium::dom(&page, 1500);
    assert!(
        after.contains(r#"<span class="state open">open</span>"#),
        "the breaker shows open:\n{after}"
    );
    assert!(after.contains("updated "), "the page polled:\n{after}");

    let shot = support::target_dir().join("status-page.png");
    chromium::screenshot(&page, 2500, &shot, 1280, 1100);
    println!("screenshot: {}", shot.display());
    let stopped = server.stop();
    support::assert_clean_exit(&stopped, "tool_server --http");
}

/// A page left open updates itself: once an upstream has failed under a breaker, the open page
/// shows the breaker open within 2 s, without being reloaded.
#[test]
fn an_open_page_shows_a_breaker_opening_within_two_seconds() {
    let server = support::HttpServer::start(&support::build_example("tool_server"));
    let mcp = server.url();
    let page = mcp.replace("/mcp", "/status");
    let mut watch = chromium::watch(
        &page,
        ">resilient_api_call<",
        r#"<span class="state open">open</span>"#,
        Duration::from_secs(60),
    );
    watch.ready();
    // Port 9 refuses connections: the breaker is open when the call returns.
    call(
        &mcp,
        "resilient_api_call",
        json!({"url": "http://127.0.0.1:9/x"}),
    );
    let failed = SystemTime::now();
    let seen = watch.seen();
    let after = seen.duration_since(failed).unwrap_or_default();
    assert!(
        after <= Duration::from_secs(2),
        "the open page showed the breaker open {after:?} after it opened"
    );
    let stopped = server.stop();
    support::assert_clean_exit(&stopped, "tool_server --http");
}
