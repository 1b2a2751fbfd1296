//! `tools/list`, `resources/list`, `resources/templates/list` and `prompts/list` responses:
//! serialised once (and again when an entry is turned on or off) and paginated.

use crate::protocol::Version;
use serde_json::{json, value::RawValue, Value};
use std::sync::{Arc, RwLock};

/// Pre-serialised pages of one list method's results, one set per result shape.
pub(crate) struct ListPages {
    /// 2025-xx results.
    stateful: Vec<Box<RawValue>>,
    /// 2026-07-28 results (`resultType`, `ttlMs`, `cacheScope`).
    stateless: Vec<Box<RawValue>>,
    /// The generation of the switches these pages show.
    generation: u64,
}

/// How long clients may cache a list: entries are fixed at link time and changes are announced,
/// but a redeploy can change them too, so keep it modest.
const LIST_TTL_MS: u64 = 300_000;

impl ListPages {
    /// Pages of `items` under `key` (`"tools"`, `"resources"`, …), at most `page_size` each.
    pub(crate) fn new(key: &str, items: &[Value], page_size: usize, generation: u64) -> Self {
        Self::with_cache_scope(key, items, page_size, generation, "public")
    }

    /// [`new`](Self::new), for one caller only: 2026-07-28 clients are told (`cacheScope`)
    /// not to share what they cache of it.
    pub(crate) fn private(key: &str, items: &[Value], page_size: usize) -> Self {
        Self::with_cache_scope(key, items, page_size, 0, "private")
    }

    fn with_cache_scope(
        key: &str,
        items: &[Value],
        page_size: usize,
        generation: u64,
        cache_scope: &str,
    ) -> Self {
        let page_size = page_size.max(1);
        let pages: Vec<&[Value]> = if items.is_empty() {
            vec![&[]]
        } else {
            items.chunks(page_size).collect()
        };
        let build = |stateless: bool| {
            pages
                .iter()
                .enumerate()
                .map(|(i, page)| {
                    let mut r = json!({ key: page });
                    if i + 1 < pages.len() {
                        r["nextCursor"] = json!(cursor_for(i + 1));
                    }
                    if stateless {
                        r["resultType"] = json!("complete");
                        r["ttlMs"] = json!(LIST_TTL_MS);
                        r["cacheScope"] = json!(cache_scope);
                    }
                    serde_json::value::to_raw_value(&r).expect("serialises")
                })
                .collect()
        };
        ListPages {
            stateful: build(false),
            stateless: build(true),
            generation,
        }
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

/// One list's pages as last built, rebuilt when its switches have changed since.
#[derive(Default)]
pub(crate) struct CurrentPages {
    built: RwLock<Option<Arc<ListPages>>>,
}

impl CurrentPages {
    /// The pages for switches at `generation`; `build` makes them when those kept are older
    /// (it reads the generation before the entries, so a change while it runs leaves them
    /// stale, to be rebuilt by the next request).
    pub(crate) fn get(&self, generation: u64, build: impl FnOnce() -> ListPages) -> Arc<ListPages> {
        let kept = self.built.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(pages) = kept.filter(|p| p.generation == generation) {
            return pages;
        }
        let fresh = Arc::new(build());
        *self.built.write().unwrap_or_else(|p| p.into_inner()) = Some(fresh.clone());
        fresh
    }

    /// Forgets the pages (the list itself was replaced).
    pub(crate) fn clear(&self) {
        *self.built.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(page: &RawValue) -> Value {
        serde_json::from_str(page.get()).unwrap()
    }

    #[test]
    fn pages_chain_by_cursor_and_unknown_cursors_are_none() {
        let items: Vec<Value> = (0..5).map(|i| json!({ "name": i })).collect();
        let pages = ListPages::new("prompts", &items, 2, 0);
        let v = Version::V2025_11_25;
        let first = parsed(pages.page(v, None).unwrap());
        assert_eq!(first["prompts"].as_array().unwrap().len(), 2);
        assert_eq!(first["nextCursor"], "page-1");
        let last = parsed(pages.page(v, Some("page-2")).unwrap());
        assert_eq!(last["prompts"], json!([{ "name": 4 }]));
        assert!(last.get("nextCursor").is_none());
        assert!(pages.page(v, Some("page-3")).is_none());
        assert!(pages.page(v, Some("elsewhere")).is_none());
        let stateless = Version::V2026_07_28;
        let page = parsed(pages.page(stateless, None).unwrap());
        assert_eq!(
            (page["resultType"].clone(), page["cacheScope"].clone()),
            (json!("complete"), json!("public"))
        );
    }

    #[test]
    fn kept_pages_are_rebuilt_only_for_a_new_generation() {
        let current = CurrentPages::default();
        let mut builds = 0;
        for generation in [0, 0, 1, 1, 1, 2] {
            current.get(generation, || {
                builds += 1;
                ListPages::new("tools", &[], 10, generation)
            });
        }
        assert_eq!(builds, 3);
    }
}
