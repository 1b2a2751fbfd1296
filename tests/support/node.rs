//! The official MCP TypeScript SDK (`@modelcontextprotocol/sdk`, the client most MCP hosts embed),
//! installed with npm under `<target>/ts-sdk/` on first use and reused afterwards, and run with
//! the machine's `node` (18 or later). Without node and npm the tests that use it fail, they never
//! skip.

use super::install::npm_package;
use super::target_dir;
use std::path::Path;
use std::process::Command;

/// The pinned SDK release the tests drive the servers with.
pub const TS_SDK: &str = "@modelcontextprotocol/sdk@1.32.2";

/// `node tests/ts/<script> <args>`, with `MCP_TS_SDK` naming the installed SDK package (the
/// scripts import it from there: they live outside any `node_modules` tree).
pub fn script(script: &str, args: &[&std::ffi::OsStr]) -> Command {
    let dir = target_dir().join("ts-sdk").join("sdk-1.32.2");
    let dir = npm_package(&dir, TS_SDK);
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
