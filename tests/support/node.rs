//! The official MCP TypeScript SDK (`@modelcontextprotocol/sdk`, the client most MCP hosts embed),
//! installed with npm under `<target>/ts-sdk/` on first use and reused afterwards, and run with
//! the machine's `node` (18 or later). Without node and npm the tests that use it fail, they never
//! skip.

use super::install::install_once;
use super::{run, target_dir};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The pinned SDK release the tests drive the servers with.
pub const TS_SDK: &str = "@modelcontextprotocol/sdk@1.32.2";

/// Longest an `npm install` may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// `node tests/ts/<script> <args>`, with `MCP_TS_SDK` naming the installed SDK package (the
/// scripts import it from there: they live outside any `node_modules` tree).
pub fn script(script: &str, args: &[&std::ffi::OsStr]) -> Command {
    let dir = target_dir().join("ts-sdk").join("sdk-1.32.2");
    let dir = install_once(&dir, TS_SDK, |scratch| {
        let mut npm = Command::new("npm");
        npm.current_dir(scratch).args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--loglevel=error",
            TS_SDK,
        ]);
        let out = run(npm, INSTALL_TIMEOUT);
        assert!(
            out.succeeded(),
            "`npm install {TS_SDK}` failed ({}); the tests need node (18+) and npm with access to \
             the npm registry\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.outcome(),
            out.stdout,
            out.stderr
        );
    });
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/ts")
        .join(script);
    let mut cmd = Command::new("node");
    cmd.arg(script).args(args).env(
        "MCP_TS_SDK",
        dir.join("node_modules/@modelcontextprotocol/sdk"),
    );
    cmd
}
