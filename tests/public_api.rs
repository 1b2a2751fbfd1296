//! The public surface of `sturdy`, kept in `tests/public-api.txt`: every public item of the facade
//! (modules, types, functions, traits, macros, constants) with the inherent methods, fields and
//! variants of each type, as rustdoc documents them. A change to the surface changes the file,
//! so that it shows in review. After a deliberate change:
//! `STURDY_BLESS=1 cargo test --test public_api`, and review the diff.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[test]
fn the_public_api_is_the_one_reviewed() {
    let doc = support::target_dir().join("doc").join("sturdy");
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // The flags CI documents with, so that its `cargo doc` has made this already.
    cmd.args(["doc", "-p", "sturdy", "--no-deps", "--target-dir"])
        .arg(support::target_dir())
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    support::clear_crate_variables(&mut cmd);
    let out = support::run(cmd, Duration::from_secs(1200));
    assert!(out.succeeded(), "cargo doc failed: {}", out.stderr);

    let surface = public_items(&doc).join("\n") + "\n";
    let kept = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/public-api.txt");
    if std::env::var_os("STURDY_BLESS").is_some() {
        std::fs::write(&kept, &surface).expect("write tests/public-api.txt");
        return;
    }
    let expected = std::fs::read_to_string(&kept).unwrap_or_default();
    if surface != expected {
        let (now, before): (BTreeSet<&str>, BTreeSet<&str>) =
            (surface.lines().collect(), expected.lines().collect());
        let added: Vec<&&str> = now.difference(&before).collect();
        let removed: Vec<&&str> = before.difference(&now).collect();
        panic!(
            "the public API changed.\nadded: {added:#?}\nremoved: {removed:#?}\nIf this is meant, \
             run `STURDY_BLESS=1 cargo test --test public_api` and review the diff."
        );
    }
}

/// Every item `all.html` lists, each module on the way, and the members of each type and trait.
fn public_items(doc: &Path) -> Vec<String> {
    let all = std::fs::read_to_string(doc.join("all.html")).expect("rustdoc's all.html");
    let mut items = BTreeSet::new();
    for href in attribute_values(&all, "href=\"") {
        // `mcp/struct.Server.html`: the module path, the kind and the name.
        let Some((path, page)) = split_page(href) else {
            continue;
        };
        let Some((kind, name)) = page.strip_suffix(".html").and_then(|p| p.split_once('.')) else {
            continue;
        };
        let mut module = String::from("sturdy");
        for part in path.split('/').filter(|p| !p.is_empty()) {
            module = format!("{module}::{part}");
            items.insert(format!("mod {module}"));
        }
        let full = format!("{module}::{name}");
        items.insert(format!("{kind} {full}"));
        if matches!(kind, "struct" | "enum" | "trait" | "union") {
            let page = std::fs::read_to_string(doc.join(href)).expect("an item's page");
            for member in members(&page) {
                items.insert(format!("{kind} {full}: {member}"));
            }
        }
    }
    items.into_iter().collect()
}

/// `mcp/struct.Server.html` → (`mcp/`, `struct.Server.html`); `None` for anything but an item page.
fn split_page(href: &str) -> Option<(&str, &str)> {
    if href.contains("://") || href.starts_with('#') || href.starts_with("..") {
        return None;
    }
    Some(match href.rfind('/') {
        Some(at) => (&href[..=at], &href[at + 1..]),
        None => ("", href),
    })
}

/// The members an item's page documents as its own: fields, variants, and what its inherent
/// impls (a trait: its own definition) declare. Trait implementations are left out.
fn members(page: &str) -> Vec<String> {
    let others = [
        "id=\"trait-implementations\"",
        "id=\"synthetic-implementations\"",
        "id=\"blanket-implementations\"",
        "id=\"implementors\"",
        "id=\"object-safety\"",
        "id=\"dyn-compatibility\"",
    ];
    let end = others
        .iter()
        .filter_map(|section| page.find(section))
        .min()
        .unwrap_or(page.len());
    let own = &page[..end];
    let mut found = Vec::new();
    for id in attribute_values(own, "id=\"") {
        let Some((kind, name)) = id.split_once('.') else {
            continue;
        };
        let kind = match kind {
            "method" | "tymethod" => "fn",
            "structfield" => "field",
            "variant" => "variant",
            "associatedconstant" => "const",
            "associatedtype" => "type",
            _ => continue,
        };
        // A name documented twice (two impls) gets a numbered id: `method.new-1`.
        let name = name.split('-').next().unwrap_or(name);
        // A variant's fields are `variant.Name.field.x`.
        let name = name.split('.').next().unwrap_or(name);
        found.push(format!("{kind} {name}"));
    }
    found
}

/// The values of every attribute written `prefix…"` in `html`.
fn attribute_values<'a>(html: &'a str, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    html.match_indices(prefix).filter_map(move |(at, _)| {
        let rest = &html[at + prefix.len()..];
        rest.find('"').map(|end| &rest[..end])
    })
}
