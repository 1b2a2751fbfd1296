//! Scopes per tool, resource and prompt (`#[tool(scopes = [...])]`): what a request's access
//! token must grant to use an entry, and the lists each caller sees. Only requests whose
//! transport checked a token carry a grant; the others (stdio, static tokens) see and use all.

use super::list_pages::ListPages;
use super::Server;
use crate::grant::Grant;
use crate::protocol::{Method, Request, RequestParams};
use serde_json::Value;
use std::sync::Arc;

impl Server {
    /// The scopes the entry `request` uses needs: the tool called, the resource read, the
    /// prompt got (none for other methods, or an entry that does not exist).
    #[cfg_attr(not(feature = "auth"), allow(dead_code))]
    pub(crate) fn scopes_needed(&self, request: &Request<'_>) -> &'static [&'static str] {
        match request.known() {
            Some(method) => self.scopes_needed_by(method, &request.params),
            None => &[],
        }
    }

    /// [`scopes_needed`](Self::scopes_needed) by a request of `method` with `params`.
    pub(super) fn scopes_needed_by(
        &self,
        method: Method,
        params: &RequestParams<'_>,
    ) -> &'static [&'static str] {
        let member = |key: &str| params.str_member(key);
        match method {
            Method::ToolsCall => member("name")
                .and_then(|name| self.registry.tool(name))
                .map_or(&[], |tool| tool.scopes()),
            Method::ResourcesRead => {
                member("uri").map_or(&[], |uri| self.resources.scopes_for(uri))
            }
            Method::PromptsGet => member("name").map_or(&[], |name| self.prompts.scopes_for(name)),
            _ => &[],
        }
    }

    /// Every scope some entry needs, sorted, once each: what the server's metadata lists.
    pub fn declared_scopes(&self) -> Vec<String> {
        let tools = self.registry.scopes();
        let resources = self.resources.scopes();
        let prompts = self.prompts.scopes();
        let mut scopes: Vec<String> = tools
            .chain(resources)
            .chain(prompts)
            .map(|s| s.to_owned())
            .collect();
        scopes.sort_unstable();
        scopes.dedup();
        scopes
    }

    /// The pages of list `method` as `grant`'s holder sees them, when it does not see every
    /// entry; `None` when it sees what everyone sees (the shared pages answer then).
    pub(super) fn pages_for(&self, method: Method, grant: &Grant) -> Option<Arc<ListPages>> {
        if grant.lists_everything {
            return None;
        }
        let size = self.page_size;
        let keep = |needed: &[&str]| grant.sees(needed);
        let (key, items): (&str, Vec<Value>) = match method {
            Method::ToolsList => {
                let tools: Vec<_> = self.registry.enabled_tools_with_scopes().collect();
                if tools.iter().all(|(_, needed)| keep(needed)) {
                    return None;
                }
                let shown = tools.into_iter().filter(|(_, needed)| keep(needed));
                let items = shown
                    .map(|(t, _)| serde_json::to_value(t).expect("tool info serialises"))
                    .collect();
                ("tools", items)
            }
            Method::ResourcesList => (
                "resources",
                self.seen(self.resources.enabled_listed(), "uri", &keep)?,
            ),
            Method::ResourcesTemplatesList => (
                "resourceTemplates",
                self.seen(
                    self.resources.enabled_templates_listed(),
                    "uriTemplate",
                    &keep,
                )?,
            ),
            Method::PromptsList => {
                let prompts = self.prompts.enabled_listed();
                let needed = |p: &Value| self.prompts.scopes_for(p["name"].as_str().unwrap_or(""));
                if prompts.iter().all(|p| keep(needed(p))) {
                    return None;
                }
                (
                    "prompts",
                    prompts.into_iter().filter(|p| keep(needed(p))).collect(),
                )
            }
            _ => return None,
        };
        Some(Arc::new(ListPages::private(key, &items, size)))
    }

    /// The resources (or templates) of `listed` whose scopes `keep` accepts, keyed by `key`;
    /// `None` when that is all of them.
    fn seen(
        &self,
        listed: Vec<Value>,
        key: &str,
        keep: &dyn Fn(&[&str]) -> bool,
    ) -> Option<Vec<Value>> {
        let needed = |e: &Value| {
            self.resources
                .scopes_of_entry(e[key].as_str().unwrap_or(""))
        };
        if listed.iter().all(|e| keep(needed(e))) {
            return None;
        }
        Some(listed.into_iter().filter(|e| keep(needed(e))).collect())
    }
}
