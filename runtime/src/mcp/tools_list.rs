//! `tools/list` responses, serialised once (and again when a tool is turned on or off) and
//! paginated.

use crate::protocol::Version;
use crate::registry::Registry;
use serde_json::{json, value::RawValue, Value};

/// Pre-serialised pages of `tools/list` results, one set per result shape.
pub(crate) struct ToolLists {
    /// 2025-xx results.
    stateful: Vec<Box<RawValue>>,
    /// 2026-07-28 results (`resultType`, `ttlMs`, `cacheScope`).
    stateless: Vec<Box<RawValue>>,
    /// The switches' generation these pages show.
    generation: u64,
}

/// How long clients may cache the tool list: tools are fixed at link time, but a redeploy can
/// change them, so keep it modest.
const TOOLS_TTL_MS: u64 = 300_000;

impl ToolLists {
    pub(crate) fn new(registry: &Registry, page_size: usize) -> Self {
        // Read first: a change made while the pages are built makes them stale at once.
        let generation = registry.switches().generation();
        let tools: Vec<Value> = registry
            .enabled_tools()
            .map(|t| serde_json::to_value(t).expect("tool info serialises"))
            .collect();
        let page_size = page_size.max(1);
        let pages: Vec<&[Value]> = if tools.is_empty() {
            vec![&[]]
        } else {
            tools.chunks(page_size).collect()
        };
        let build = |stateless: bool| {
            pages
                .iter()
                .enumerate()
                .map(|(i, page)| {
                    let mut r = json!({ "tools": page });
                    if i + 1 < pages.len() {
                        r["nextCursor"] = json!(cursor_for(i + 1));
                    }
                    if stateless {
                        r["resultType"] = json!("complete");
                        r["ttlMs"] = json!(TOOLS_TTL_MS);
                        r["cacheScope"] = json!("public");
                    }
                    serde_json::value::to_raw_value(&r).expect("serialises")
                })
                .collect()
        };
        ToolLists {
            stateful: build(false),
            stateless: build(true),
            generation,
        }
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// The page a cursor points at; `None` for a cursor this server never issued.
    pub(crate) fn page(&self, version: Version, cursor: Option<&str>) -> Option<&RawValue> {
        let index = match cursor {
            None => 0,
            Some(c) => c.strip_prefix("page-")?.parse::<usize>().ok()?,
        };
        let pages = if version.is_stateless() {
            &self.stateless
        } else {
            &self.stateful
        };
        pages.get(index).map(|b| &**b)
    }
}

fn cursor_for(page: usize) -> String {
    format!("page-{page}")
}
