//! The scope lists of entries defined at run time (dynamic tools, resources and prompts), kept
//! for the program's life so that they read as the macros' do (`&'static`).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// `scopes` as a list that lives as long as the program: one copy per distinct list, which the
/// program's configuration (not its callers) decides, so their number stays bounded.
pub(crate) fn intern(scopes: Vec<String>) -> &'static [&'static str] {
    static LISTS: OnceLock<Mutex<HashMap<Vec<String>, &'static [&'static str]>>> = OnceLock::new();
    if scopes.is_empty() {
        return &[];
    }
    let mut lists = LISTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(list) = lists.get(&scopes) {
        return list;
    }
    let list: Vec<&'static str> = scopes
        .iter()
        .map(|s| &*Box::leak(s.clone().into_boxed_str()))
        .collect();
    let list: &'static [&'static str] = Box::leak(list.into_boxed_slice());
    lists.insert(scopes, list);
    list
}

/// `scopes` interned, from anything that reads as strings.
pub(crate) fn intern_all<S: AsRef<str>>(
    scopes: impl IntoIterator<Item = S>,
) -> &'static [&'static str] {
    intern(scopes.into_iter().map(|s| s.as_ref().to_owned()).collect())
}
