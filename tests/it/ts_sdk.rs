//! The example server (`examples/tool_server/`) driven by the official MCP TypeScript SDK client
//! (`@modelcontextprotocol/sdk`, pinned in `support::node`), the client most MCP hosts embed, over
//! stdio (the SDK starts the server) and Streamable HTTP: it lists the tools (zod-validated), calls
//! a structured tool (its `structuredContent` ajv-validated against the `outputSchema`), gets
//! `rate_limited` and `circuit_open` errors whose model-facing text it checks, lists and reads the
//! resources and templates, gets the prompt and completions, and subscribes to a resource a tool
//! then changes (it must hear `notifications/resources/updated`). The checks live in
//! `tests/ts/sdk_client.mjs` (`--example`).

use crate::support;
use std::ffi::OsStr;
use std::time::Duration;
use support::{run, HttpServer};

/// Longest the client script may take (the circuit test waits out three backoffs).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

/// A URL nothing listens on: connections are refused.
fn dead_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port();
    format!("http://127.0.0.1:{port}/api")
}

fn check(out: &support::Output, server_log: &str) {
    assert!(
        out.succeeded(),
        "the TypeScript SDK client failed against tool_server: {}\n--- stdout ---\n{}\n\
         --- stderr ---\n{}\n--- server stderr ---\n{server_log}",
        out.outcome(),
        out.stdout,
        out.stderr
    );
    println!("{}", out.stdout);
}

#[test]
fn typescript_sdk_over_stdio() {
    let server = support::build_example("tool_server");
    let dead = dead_url();
    let args: [&OsStr; 4] = [
        "--stdio".as_ref(),
        server.as_os_str(),
        "--example".as_ref(),
        dead.as_ref(),
    ];
    let out = run(
        support::node::script("sdk_client.mjs", &args),
        SCRIPT_TIMEOUT,
    );
    check(&out, "");
}

#[test]
fn typescript_sdk_over_http() {
    let server = HttpServer::start(&support::build_example("tool_server"));
    let (url, dead) = (server.url(), dead_url());
    let args: [&OsStr; 4] = [
        "--http".as_ref(),
        url.as_ref(),
        "--example".as_ref(),
        dead.as_ref(),
    ];
    let out = run(
        support::node::script("sdk_client.mjs", &args),
        SCRIPT_TIMEOUT,
    );
    let stopped = server.stop();
    check(&out, &stopped.stderr);
    support::assert_clean_exit(&stopped, "tool_server --http");
}

/// The SDK's own OAuth support against a server trusting a real authorization server
/// (`oidc-provider`): discovery from the 401 and the metadata, a token for the server's resource
/// by the client credentials grant, then the calls.
#[cfg(feature = "auth")]
#[test]
fn typescript_sdk_authenticates_with_oauth() {
    // The resource here is only the provider's default; the SDK names the server's own.
    let issuer = support::oidc::AuthorizationServer::start("http://127.0.0.1:9/unused", "ES256");
    let server = HttpServer::start_with_env(
        &support::build_example("tool_server"),
        &[("STURDY_AUTH_ISSUER", issuer.issuer.as_str())],
    );
    let url = server.url();
    let args: [&OsStr; 4] = [
        url.as_ref(),
        issuer.issuer.as_ref(),
        "alice".as_ref(),
        "notes:read".as_ref(),
    ];
    let out = run(
        support::node::script("oauth_client.mjs", &args),
        SCRIPT_TIMEOUT,
    );
    let stopped = server.stop();
    check(&out, &stopped.stderr);
    let got: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert!(
        got["tools"].as_array().unwrap().iter().any(|t| t == "add"),
        "{got}"
    );
    assert_eq!(got["sum"], r#"{"result":5}"#);
}
