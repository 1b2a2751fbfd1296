//! Reading a directory of skills at start-up: finding each `SKILL.md`, parsing its frontmatter,
//! and digesting every file of its skill.

use super::{SkillFile, Skills, MAX_BYTES_PER_SKILL, MAX_FILES_PER_SKILL, MAX_SKILLS};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub(super) fn load(dir: &Path) -> Result<Skills, String> {
    let mut roots = Vec::new();
    find_skills(dir, &mut roots)?;
    roots.sort();
    if roots.len() > MAX_SKILLS {
        return Err(format!(
            "{}: {} skills, more than the {MAX_SKILLS} a server serves",
            dir.display(),
            roots.len()
        ));
    }
    let mut skills = Skills::default();
    for root in roots {
        let path = skill_path(dir, &root)?;
        let skill_md = root.join("SKILL.md");
        let text = std::fs::read_to_string(&skill_md)
            .map_err(|e| format!("{}: {e}", skill_md.display()))?;
        let frontmatter = frontmatter(&text).map_err(|e| format!("{}: {e}", skill_md.display()))?;
        let last = path.rsplit('/').next().unwrap_or(&path);
        if frontmatter["name"] != last {
            return Err(format!(
                "{}: the skill's name {} must be its directory's name {last:?}",
                skill_md.display(),
                frontmatter["name"]
            ));
        }
        let mut files = Vec::new();
        collect_files(&root, &root, &mut files)?;
        files.sort();
        if files.len() > MAX_FILES_PER_SKILL {
            return Err(format!(
                "{}: {} files, more than the {MAX_FILES_PER_SKILL} a skill may have",
                root.display(),
                files.len()
            ));
        }
        let mut total = 0u64;
        let mut resources = Vec::new();
        for relative in files {
            let bytes = std::fs::read(root.join(&relative))
                .map_err(|e| format!("{}: {e}", root.join(&relative).display()))?;
            total += bytes.len() as u64;
            if total > MAX_BYTES_PER_SKILL {
                return Err(format!(
                    "{}: more than the {MAX_BYTES_PER_SKILL} bytes a skill may hold",
                    root.display()
                ));
            }
            let uri = format!("skill://{path}/{relative}");
            let digest: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            resources.push(json!({
                "uri": uri, "digest": format!("sha256:{digest}"), "size": bytes.len(),
            }));
            skills.files.insert(
                uri,
                SkillFile {
                    mime: mime_of(&relative),
                    bytes: bytes.into(),
                },
            );
        }
        let uri = format!("skill://{path}/SKILL.md");
        skills.by_uri.insert(uri.clone(), skills.entries.len());
        skills.entries.push(json!({
            "uri": uri, "frontmatter": frontmatter, "resources": resources,
        }));
    }
    Ok(skills)
}

/// Every directory under `dir` (itself included) that holds a `SKILL.md`; links not followed.
fn find_skills(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), String> {
    if dir.join("SKILL.md").is_file() {
        found.push(dir.to_owned());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        if kind.is_dir() {
            find_skills(&entry.path(), found)?;
        }
    }
    Ok(())
}

/// The skill's path below `dir`, `/`-separated; every segment a plain name.
fn skill_path(dir: &Path, root: &Path) -> Result<String, String> {
    let relative = root
        .strip_prefix(dir)
        .map_err(|_| format!("{} is not under {}", root.display(), dir.display()))?;
    let segments: Vec<&str> = relative
        .components()
        .map(|c| c.as_os_str().to_str().unwrap_or(""))
        .collect();
    if segments.is_empty() {
        return Err(format!(
            "{}: a skill is a directory below the skills directory, not the directory itself",
            root.display()
        ));
    }
    let plain = |s: &&str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && *s != "."
            && *s != ".."
    };
    if !segments.iter().all(plain) {
        return Err(format!(
            "{}: a skill's path has only letters, digits, `-`, `_` and `.`",
            root.display()
        ));
    }
    Ok(segments.join("/"))
}

/// Every regular file under `dir`, as paths relative to `root` with `/`; links not followed.
fn collect_files(root: &Path, dir: &Path, files: &mut Vec<String>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = entry.path();
        if kind.is_dir() {
            collect_files(root, &path, files)?;
        } else if kind.is_file() {
            let relative = path.strip_prefix(root).expect("under the root");
            let parts: Option<Vec<&str>> = relative
                .components()
                .map(|c| c.as_os_str().to_str())
                .collect();
            let parts =
                parts.ok_or_else(|| format!("{}: a name that is not UTF-8", path.display()))?;
            files.push(parts.join("/"));
        }
        if files.len() > MAX_FILES_PER_SKILL {
            return Ok(());
        }
    }
    Ok(())
}

/// The YAML frontmatter at the start of a `SKILL.md`, as JSON: an object with string `name`
/// and `description`.
fn frontmatter(text: &str) -> Result<Value, String> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or("SKILL.md must begin with YAML frontmatter (a `---` line)")?;
    let end = rest
        .find("\n---")
        .ok_or("the frontmatter has no closing `---` line")?;
    let value: Value = yaml_serde::from_str(&rest[..end])
        .map_err(|e| format!("the frontmatter is not YAML: {e}"))?;
    for field in ["name", "description"] {
        if !value.get(field).is_some_and(Value::is_string) {
            return Err(format!("the frontmatter needs `{field}` (a string)"));
        }
    }
    Ok(value)
}

fn mime_of(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "md" => "text/markdown",
        "txt" => "text/plain",
        "json" => "application/json",
        "py" => "text/x-python",
        "sh" => "text/x-shellscript",
        "yaml" | "yml" => "application/yaml",
        "html" => "text/html",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory with `files` (path, content) written.
    fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sturdy-skills-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, content) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        dir
    }

    const GOOD: &str = "---\nname: refunds\ndescription: Refund requests\n---\n# Refunds\n";

    #[test]
    fn nested_paths_and_every_file_are_served() {
        let dir = tree(
            "nested",
            &[
                ("acme/billing/refunds/SKILL.md", GOOD),
                ("acme/billing/refunds/examples/email.md", "Dear customer"),
            ],
        );
        let skills = load(&dir).unwrap();
        let listed = skills.list(None).unwrap();
        let entry = &listed["skills"][0];
        assert_eq!(entry["uri"], "skill://acme/billing/refunds/SKILL.md");
        assert_eq!(entry["resources"].as_array().unwrap().len(), 2);
        let read = skills
            .read("skill://acme/billing/refunds/examples/email.md")
            .unwrap();
        assert_eq!(read["contents"][0]["text"], "Dear customer");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_skill_that_is_not_valid_is_refused_naming_it() {
        for (name, files, says) in [
            (
                "nofront",
                vec![("x/SKILL.md", "# no frontmatter")],
                "frontmatter",
            ),
            (
                "unclosed",
                vec![("x/SKILL.md", "---\nname: x\ndescription: d\n")],
                "closing",
            ),
            (
                "noname",
                vec![("x/SKILL.md", "---\ndescription: d\n---\n")],
                "`name`",
            ),
            (
                "mismatch",
                vec![("other/SKILL.md", GOOD)],
                "directory's name",
            ),
            (
                "notyaml",
                vec![("x/SKILL.md", "---\nname: [x\n---\n")],
                "YAML",
            ),
        ] {
            let dir = tree(name, &files);
            let err = load(&dir).unwrap_err();
            assert!(
                err.contains(says) && err.contains("SKILL.md"),
                "{name}: {err}"
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn too_many_files_and_links_out_are_not_served() {
        let mut files = vec![("refunds/SKILL.md".to_owned(), GOOD.to_owned())];
        for n in 0..MAX_FILES_PER_SKILL {
            files.push((format!("refunds/f/{n}.txt"), "x".to_owned()));
        }
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        let dir = tree("many", &borrowed);
        let err = load(&dir).unwrap_err();
        assert!(err.contains("files"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);

        let dir = tree("link", &[("refunds/SKILL.md", GOOD)]);
        let outside = tree("outside", &[("secret.txt", "secret")]);
        std::os::unix::fs::symlink(outside.join("secret.txt"), dir.join("refunds/secret.txt"))
            .unwrap();
        let skills = load(&dir).unwrap();
        assert!(skills.read("skill://refunds/secret.txt").is_none());
        assert_eq!(
            skills.list(None).unwrap()["skills"][0]["resources"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&outside);
    }
}
