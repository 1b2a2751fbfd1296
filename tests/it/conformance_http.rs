//! The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in
//! `.ci/conformance.sh`) against the conformance fixture server (`examples/conformance.rs`) over
//! Streamable HTTP, three times: the active suite at 2025-11-25, exactly what 2026-07-28 requires,
//! and the pending scenarios; the same three through `sturdy-gateway` in front of that server
//! (a stdio upstream, served under its own names); then its client scenarios (2025-11-25 and 2026-07-28) against sturdy's client
//! (`examples/conformance_client.rs`). Each run has its baseline in `tests/conformance/`: the test
//! fails when a check not in the baseline fails, and when one in it passes. (One test: the runs
//! share the suite's install.)
//!
//! The script installs the suite and a Node 22 runtime from the npm registry on first use (needs
//! `npm` on `PATH`), into `$CONFORMANCE_HOME` when set, else into `<target>/mcp-conformance/`, and
//! reuses them afterwards. Without npm or registry access this test fails; it never skips.

use crate::support;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::{run as run_command, target_dir, HttpServer, Output};

/// Longest the first run (installing the suite and Node from npm) may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest the suite may take (about 2 s when all goes well).
const SUITE_TIMEOUT: Duration = Duration::from_secs(180);
/// Written into the default `CONFORMANCE_HOME` once the install succeeded.
const MARKER: &str = "sturdy-installed.txt";

/// One run of the suite: its arguments and its baseline.
struct Run {
    name: &'static str,
    args: &'static [&'static str],
    baseline: &'static str,
}

/// The 2025-11-25 revision (the active suite, sessions), 2026-07-28 (exactly what that revision
/// requires, stateless) and the pending scenarios (the next revision's), each against a server of
/// its own: the runs park calls and open sessions,
/// and per-client quotas would carry over.
const RUNS: [Run; 3] = [
    Run {
        name: "2025-11-25",
        args: &["--spec-version", "2025-11-25"],
        baseline: "tests/conformance/expected-failures.txt",
    },
    Run {
        name: "2026-07-28",
        args: &["--requirements", "2026-07-28"],
        baseline: "tests/conformance/expected-failures-2026-07-28.txt",
    },
    Run {
        name: "pending",
        args: &["--suite", "pending"],
        baseline: "tests/conformance/expected-failures-pending.txt",
    },
];

/// The same runs through the gateway, each with its own baseline: what the gateway cannot pass
/// on, and why, is written there.
const GATEWAY_RUNS: [Run; 3] = [
    Run {
        name: "gateway 2025-11-25",
        args: &["--spec-version", "2025-11-25"],
        baseline: "tests/conformance/expected-failures-gateway.txt",
    },
    Run {
        name: "gateway 2026-07-28",
        args: &["--requirements", "2026-07-28"],
        baseline: "tests/conformance/expected-failures-gateway-2026-07-28.txt",
    },
    Run {
        name: "gateway pending",
        args: &["--suite", "pending"],
        baseline: "tests/conformance/expected-failures-gateway-pending.txt",
    },
];

#[test]
fn conformance_suite_over_http() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture = support::build_example("conformance");
    let gateway = support::build_gateway();
    // A call whose round a scenario leaves unanswered waits on its upstream for the whole
    // timeout; a long one keeps what the baseline says of the scenarios after it the same on a
    // slow machine (see expected-failures-gateway-2026-07-28.txt).
    let gateway_config = target_dir().join("conformance-gateway.toml");
    std::fs::write(
        &gateway_config,
        format!(
            "name = \"conformance-gateway\"\n[upstreams.conformance]\ncommand = [{:?}]\n\
             namespace = false\ntimeout = \"120s\"\n",
            fixture
        ),
    )
    .expect("write the gateway's configuration");
    let home = conformance_home();
    // Every baseline entry must name a scenario of the suite (the suite ignores unknown names).
    let listed = scenarios(&home);
    let home = &home.dir;
    let direct = RUNS.iter().map(|run| (run, &fixture, None));
    let through_gateway = GATEWAY_RUNS
        .iter()
        .map(|run| (run, &gateway, Some(&gateway_config)));
    for (run, server, config) in direct.chain(through_gateway) {
        let baseline_path = manifest.join(run.baseline);
        let baseline = std::fs::read_to_string(&baseline_path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", baseline_path.display()));
        for entry in baseline_entries(&baseline) {
            // `scenario` or `scenario:check-id`.
            let name = entry.split(':').next().unwrap_or(entry);
            assert!(
                listed.iter().any(|s| s == name),
                "{} lists {entry:?}, whose scenario is not a server scenario of the suite: {listed:?}",
                baseline_path.display()
            );
        }
        run_suite(
            home,
            server,
            config.map(|c| c.as_path()),
            run,
            &baseline_path,
        );
    }
    for run in &CLIENT_RUNS {
        run_client_suite(home, run, &manifest.join(run.baseline));
    }
}

/// The client scenarios of 2025-11-25 (sessions) and exactly those 2026-07-28 requires
/// (stateless), each with its baseline.
const CLIENT_RUNS: [Run; 2] = [
    Run {
        name: "client 2025-11-25",
        args: &["--suite", "all", "--spec-version", "2025-11-25"],
        baseline: "tests/conformance/expected-failures-client.txt",
    },
    Run {
        name: "client 2026-07-28",
        args: &["--requirements", "2026-07-28"],
        baseline: "tests/conformance/expected-failures-client-2026-07-28.txt",
    },
];

/// The suite's client scenarios against sturdy's client, in parallel (the suite starts a server
/// per scenario and runs the client against it).
fn run_client_suite(home: &Path, run: &Run, baseline_path: &Path) {
    let client = support::build_example("conformance_client");
    let started = Instant::now();
    let mut cmd = runner(home);
    cmd.arg("client")
        .arg("--command")
        .arg(&client)
        .args(run.args)
        .arg("--expected-failures")
        .arg(baseline_path);
    let out = run_command(cmd, SUITE_TIMEOUT);
    assert!(
        out.succeeded(),
        "the MCP conformance suite's client scenarios ({} run) against {} failed ({}): a check \
         outside the baseline failed, or one in it now passes (then remove it from {})\n--- \
         runner stdout ---\n{}\n--- runner stderr ---\n{}",
        run.name,
        client.display(),
        out.outcome(),
        baseline_path.display(),
        out.stdout,
        out.stderr
    );
    let summary: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with('✓') || l.starts_with('✗') || l.starts_with("Total:"))
        .collect();
    println!(
        "{} run:\n{}\n(suite: {:.1} s)",
        run.name,
        summary.join("\n"),
        started.elapsed().as_secs_f64()
    );
}

/// Runs the suite once against a fresh `server` (the fixture, or the gateway with its
/// configuration in front of it); fails on anything outside the baseline.
fn run_suite(home: &Path, server: &Path, config: Option<&Path>, run: &Run, baseline_path: &Path) {
    // SSE responses are cut after 200 ms, so that `test_reconnection` (500 ms) is resumed.
    let config = config.map(|c| c.to_string_lossy().into_owned());
    let mut env = vec![("STURDY_SSE_CLOSE_AFTER", "0.2")];
    if let Some(config) = &config {
        env.push(("STURDY_GATEWAY_CONFIG", config.as_str()));
    }
    let server = HttpServer::start_with_env(server, &env);
    let url = server.url();
    let started = Instant::now();
    let mut cmd = runner(home);
    cmd.arg(&url)
        .args(run.args)
        .arg("--expected-failures")
        .arg(baseline_path);
    let out = run_command(cmd, SUITE_TIMEOUT);
    let elapsed = started.elapsed();
    let stopped = server.stop();
    assert!(
        out.succeeded(),
        "the MCP conformance suite ({} run) against {url} failed ({}): a check outside the \
         baseline failed, or one in it now passes (then remove it from {})\n--- runner stdout ---\n{}\n\
         --- runner stderr ---\n{}\n--- server stderr ---\n{}",
        run.name,
        out.outcome(),
        baseline_path.display(),
        out.stdout,
        out.stderr,
        stopped.stderr
    );
    support::assert_clean_exit(&stopped, "the conformance server");
    let summary: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with('✓') || l.starts_with('✗') || l.starts_with("Total:"))
        .collect();
    println!(
        "{} run:\n{}\n(suite: {:.1} s)",
        run.name,
        summary.join("\n"),
        elapsed.as_secs_f64()
    );
}

/// `bash .ci/conformance.sh` with `CONFORMANCE_HOME` set.
fn runner(home: &Path) -> Command {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/conformance.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(script).env("CONFORMANCE_HOME", home);
    cmd
}

/// Where the suite lives.
struct Home {
    dir: PathBuf,
    /// `Some` for the default home (this test's to manage): written once the install succeeded.
    marker: Option<PathBuf>,
}

/// `$CONFORMANCE_HOME` as set (managed by the script alone), else `<target>/mcp-conformance`, where
/// an install that did not finish (no marker) is removed first.
fn conformance_home() -> Home {
    if let Some(dir) = std::env::var_os("CONFORMANCE_HOME").filter(|h| !h.is_empty()) {
        return Home {
            dir: PathBuf::from(dir),
            marker: None,
        };
    }
    let dir = target_dir().join("mcp-conformance");
    let marker = dir.join(MARKER);
    if !marker.is_file() && dir.exists() {
        std::fs::remove_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot remove {}: {e}", dir.display()));
    }
    Home {
        dir,
        marker: Some(marker),
    }
}

/// The suite's server scenarios (`conformance.sh list --server`), installing the suite first if
/// needed.
fn scenarios(home: &Home) -> Vec<String> {
    let started = Instant::now();
    let mut cmd = runner(&home.dir);
    cmd.args(["list", "--server"]);
    let out: Output = run_command(cmd, INSTALL_TIMEOUT);
    assert!(
        out.succeeded(),
        "`.ci/conformance.sh list --server` failed ({}); on first use it installs the MCP \
         conformance suite and Node 22 with npm into {}, which needs npm on PATH and access to the \
         npm registry\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.outcome(),
        home.dir.display(),
        out.stdout,
        out.stderr
    );
    if let Some(marker) = home.marker.as_ref().filter(|m| !m.is_file()) {
        std::fs::write(marker, "installed by .ci/conformance.sh\n").expect("write the marker");
        eprintln!(
            "installed the MCP conformance suite into {} in {:.1} s",
            home.dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    let names: Vec<String> = out
        .stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    assert!(
        !names.is_empty(),
        "`.ci/conformance.sh list --server` listed no scenarios:\n{}",
        out.stdout
    );
    names
}

/// The scenario names of an expected-failures file (`server:` followed by `- name` lines).
fn baseline_entries(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter_map(|l| l.strip_prefix("- "))
        .map(str::trim)
        .collect()
}
