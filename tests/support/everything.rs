//! The official `@modelcontextprotocol/server-everything`, pinned, installed from npm into
//! `<target>/everything/` on first use and reused afterwards.

use std::path::PathBuf;

/// The pinned release.
pub const PACKAGE: &str = "@modelcontextprotocol/server-everything@2026.8.31";

/// Its entry script, to run with `node <script> stdio` (or `streamableHttp`, `sse`).
pub fn script() -> PathBuf {
    let dir = super::target_dir()
        .join("everything")
        .join("server-everything-2026.8.31");
    super::install::npm_package(&dir, PACKAGE)
        .join("node_modules/@modelcontextprotocol/server-everything/dist/index.js")
}
