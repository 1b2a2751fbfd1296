//! End-to-end: the example server (`examples/tool_server.rs`) driven by the official MCP Python SDK,
//! in two generations: `mcp` 1.30 (initialize handshake, 2025-11-25) and `mcp` 2.3 (stateless
//! 2026-07-28, and its legacy handshake mode), over stdio (the SDK starts the server) and over
//! Streamable HTTP (`tool_server --http 127.0.0.1:<free port>`, stopped with SIGTERM afterwards,
//! which must end it gracefully with status 0). Besides the tools, each run lists and reads the
//! resources and templates, gets the prompt and completions, and hears a resource a tool changed:
//! through `resources/subscribe` in a 2025 session, through `subscriptions/listen` in 2026-07-28.
//!
//! Each SDK is installed with pip into its own virtualenv under `<target>/python-sdk/` on first use
//! (about 20 s with access to PyPI) and reused afterwards. The checks themselves live in
//! `tests/python/sdk_client.py`. Needs `python3` (with `venv` and `pip`): without it these tests
//! fail, they never skip.

use crate::support;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use support::python::sdk_venv;
use support::{run, HttpServer};

/// Longest the SDK script may take (it bounds each of its scenarios to 60 s itself).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

#[test]
fn python_sdk_1_30() {
    run_sdk_client("mcp-1.30", "mcp==1.30.*");
}

#[test]
fn python_sdk_2_3() {
    run_sdk_client("mcp-2.3", "mcp==2.3.*");
}

#[test]
fn python_sdk_1_30_http() {
    run_sdk_client_http("mcp-1.30", "mcp==1.30.*");
}

#[test]
fn python_sdk_2_3_http() {
    run_sdk_client_http("mcp-2.3", "mcp==2.3.*");
}

/// Installs `requirement` into `<target>/python-sdk/<venv_name>` (unless done before) and runs the
/// SDK client script against the example server on stdio with it.
fn run_sdk_client(venv_name: &str, requirement: &str) {
    let server = example_server();
    let python = sdk_venv(venv_name, requirement);
    let out = run(sdk_client(&python, &[server.as_os_str()]), SCRIPT_TIMEOUT);
    assert!(
        out.succeeded(),
        "the MCP Python SDK client ({requirement}) failed: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.outcome(),
        out.stdout,
        out.stderr
    );
    println!("{}", out.stdout);
}

/// The server closes every SSE response of a session after 20 ms (progress, questions to the
/// client): the SDK must resume each with `GET` and `Last-Event-ID`, and miss nothing.
#[test]
fn python_sdk_1_30_http_resumes_cut_streams() {
    run_sdk_client_http_cut("mcp-1.30", "mcp==1.30.*", true);
}

/// The same over Streamable HTTP: starts `tool_server --http`, runs the script in HTTP mode, then
/// stops the server with SIGTERM and checks that it exits with status 0.
fn run_sdk_client_http(venv_name: &str, requirement: &str) {
    run_sdk_client_http_cut(venv_name, requirement, false)
}

fn run_sdk_client_http_cut(venv_name: &str, requirement: &str, cut: bool) {
    let binary = example_server();
    let python = sdk_venv(venv_name, requirement);
    let env: &[(&str, &str)] = if cut {
        &[("STURDY_SSE_CLOSE_AFTER", "0.02")]
    } else {
        &[]
    };
    let server = HttpServer::start_with_env(binary, env);
    let url = server.url();
    let started = Instant::now();
    let mut args: Vec<&std::ffi::OsStr> = vec!["--http".as_ref(), url.as_ref()];
    if cut {
        args.push("--cut-streams".as_ref());
    }
    let out = run(sdk_client(&python, &args), SCRIPT_TIMEOUT);
    let elapsed = started.elapsed();
    let stopped = server.stop();
    assert!(
        out.succeeded(),
        "the MCP Python SDK client ({requirement}) failed over HTTP ({url}): {}\n--- stdout ---\n{}\n\
         --- stderr ---\n{}\n--- server stderr ---\n{}",
        out.outcome(),
        out.stdout,
        out.stderr,
        stopped.stderr
    );
    support::assert_clean_exit(&stopped, "tool_server --http");
    println!("{}(SDK script: {:.1} s)", out.stdout, elapsed.as_secs_f64());
}

/// The SDK's own OAuth support (mcp 1.30, client credentials) against a server trusting a real
/// authorization server (`oidc-provider`): discovery from the 401 and the metadata, a token for
/// the server's resource, then the calls.
#[cfg(feature = "auth")]
#[test]
fn python_sdk_1_30_authenticates_with_oauth() {
    // alice may have every scope the server's metadata lists, which the SDK asks for.
    let got = oauth_client(&[], &[]);
    assert!(
        got["tools"].as_array().unwrap().iter().any(|t| t == "add"),
        "{got}"
    );
    assert_eq!(got["sum"], r#"{"result":5}"#);
}

/// A scope step-up by the SDK's own OAuth support: a server whose every call needs
/// `notes:read` challenges with that scope, so the SDK's first token grants only it (`add_note`,
/// which needs `notes:write`, is not listed); calling `add_note` anyway gets HTTP 403
/// `insufficient_scope` naming what the call needs, and the SDK obtains a token with it and
/// retries, in the same session.
#[cfg(feature = "auth")]
#[test]
fn python_sdk_steps_up_on_insufficient_scope() {
    let got = oauth_client(
        &[("STURDY_AUTH_REQUIRED_SCOPES", "notes:read")],
        &["step-up"],
    );
    let tools = got["tools"].as_array().unwrap();
    assert!(tools.iter().any(|t| t == "add"), "{got}");
    assert!(
        !tools.iter().any(|t| t == "add_note"),
        "the first token grants notes:read only: {got}"
    );
    assert!(
        got["note"].as_str().unwrap().contains("note"),
        "add_note ran after the step-up: {got}"
    );
}

/// `tests/python/oauth_client.py` as alice (`notes:read`, then whatever `extra` asks) against
/// the example server trusting a real authorization server, with `env` besides; what it printed.
#[cfg(feature = "auth")]
fn oauth_client(env: &[(&str, &str)], extra: &[&str]) -> serde_json::Value {
    let python = sdk_venv("mcp-1.30", "mcp==1.30.*");
    // The resource here is only the provider's default; the SDK names the server's own.
    let issuer = support::oidc::AuthorizationServer::start("http://127.0.0.1:9/unused", "EdDSA");
    let mut server_env = vec![("STURDY_AUTH_ISSUER", issuer.issuer.as_str())];
    server_env.extend_from_slice(env);
    let server = HttpServer::start_with_env(example_server(), &server_env);
    let url = server.url();
    let mut args: Vec<&std::ffi::OsStr> = vec![
        url.as_ref(),
        issuer.issuer.as_ref(),
        "alice".as_ref(),
        "notes:read".as_ref(),
    ];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    let out = run(
        support::python::script(&python, "oauth_client.py", &args),
        SCRIPT_TIMEOUT,
    );
    let stopped = server.stop();
    assert!(
        out.succeeded(),
        "the Python SDK client failed: {}\n--- stdout ---\n{}\n--- stderr ---\n{}\n\
         --- server stderr ---\n{}",
        out.outcome(),
        out.stdout,
        out.stderr,
        stopped.stderr
    );
    serde_json::from_str(out.stdout.trim()).unwrap()
}

/// `python -u tests/python/sdk_client.py <args>`
fn sdk_client(python: &Path, args: &[&std::ffi::OsStr]) -> Command {
    support::python::script(python, "sdk_client.py", args)
}

/// The example server binary, `<target>/<profile>/examples/tool_server`, built once per run.
fn example_server() -> &'static Path {
    static SERVER: OnceLock<PathBuf> = OnceLock::new();
    SERVER.get_or_init(|| support::build_example("tool_server"))
}
