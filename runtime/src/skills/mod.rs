//! Agent Skills served over MCP (the `io.modelcontextprotocol/skills` extension): a directory of
//! skills, each a folder with a `SKILL.md` (YAML frontmatter with `name` and `description`) and
//! its supporting files, read once at start-up. Each file is a resource `skill://<path>/<file>`
//! (read with `resources/read`); `skills/list` and `skills/get` give each skill's entry: its
//! frontmatter and every file's SHA-256 digest and size.
//!
//! Loaded whole into memory, and bounded as the extension states: at most
//! [`MAX_FILES_PER_SKILL`] files and [`MAX_BYTES_PER_SKILL`] bytes per skill (a skill over them
//! stops the server at start-up, naming it), at most [`MAX_SKILLS`] skills. Symbolic links are
//! not followed: a skill cannot serve files from outside its directory.

mod load;

use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Files one skill may have (`SKILL.md` included), as the extension fixes it.
pub const MAX_FILES_PER_SKILL: usize = 512;
/// Bytes of one skill's files, in all, as the extension fixes it.
pub const MAX_BYTES_PER_SKILL: u64 = 16 << 20;
/// Skills one server serves, at most.
pub const MAX_SKILLS: usize = 1000;
/// Entries per page of `skills/list`.
const PAGE: usize = 100;

/// The skills a server serves.
///
/// ```no_run
/// use sturdy_runtime::skills::Skills;
///
/// let skills = Skills::from_dir("skills").expect("every skill has a SKILL.md with a name");
/// assert!(skills.len() > 0);
/// ```
#[derive(Debug, Default)]
pub struct Skills {
    /// Each skill's entry (`uri`, `frontmatter`, `resources`), by path.
    entries: Vec<Value>,
    /// The entries by the URI of their `SKILL.md`.
    by_uri: HashMap<String, usize>,
    /// Every file, by URI.
    files: HashMap<String, SkillFile>,
}

#[derive(Debug)]
struct SkillFile {
    bytes: Arc<[u8]>,
    mime: &'static str,
}

impl Skills {
    /// Reads every skill under `dir`: each directory holding a `SKILL.md` is a skill, whose path
    /// is the directory's below `dir` (`git-workflow`, `acme/billing/refunds`). An error names
    /// what is wrong and where.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Skills, String> {
        load::load(dir.as_ref())
    }

    /// How many skills there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `skills/list`: a page of entries, from `cursor` (`None`: an unknown cursor).
    pub(crate) fn list(&self, cursor: Option<&str>) -> Option<Value> {
        let start = match cursor {
            None => 0,
            Some(c) => c
                .parse::<usize>()
                .ok()
                .filter(|s| *s < self.entries.len())?,
        };
        let end = (start + PAGE).min(self.entries.len());
        let mut page = json!({
            "skills": &self.entries[start..end],
            "ttlMs": 300_000,
            "cacheScope": "public",
        });
        if end < self.entries.len() {
            page["nextCursor"] = json!(end.to_string());
        }
        Some(page)
    }

    /// `skills/get`: the entry of the skill whose `SKILL.md` is at `uri`.
    pub(crate) fn get(&self, uri: &str) -> Option<Value> {
        let entry = &self.entries[*self.by_uri.get(uri)?];
        Some(json!({ "skill": entry, "ttlMs": 300_000, "cacheScope": "public" }))
    }

    /// The contents of the skill file at `uri` (text when it is UTF-8, else base64), as
    /// `resources/read` answers.
    pub(crate) fn read(&self, uri: &str) -> Option<Value> {
        let file = self.files.get(uri)?;
        let content = match std::str::from_utf8(&file.bytes) {
            Ok(text) => json!({ "uri": uri, "mimeType": file.mime, "text": text }),
            Err(_) => {
                use base64::Engine as _;
                let blob = base64::engine::general_purpose::STANDARD.encode(&file.bytes);
                json!({ "uri": uri, "mimeType": file.mime, "blob": blob })
            }
        };
        Some(json!({ "contents": [content] }))
    }
}
