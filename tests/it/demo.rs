//! `cargo run --example demo` as a person runs it (with `--quick`, and its output piped, so it
//! prints one table per phase): local upstreams fail, hang and recover, and the tables and the
//! closing summary show what the tools did.

use crate::support;
use std::process::Command;
use std::time::Duration;

/// The number just before `suffix` in `text` (the last occurrence).
fn number_before(text: &str, suffix: &str) -> u64 {
    let at = text
        .rfind(suffix)
        .unwrap_or_else(|| panic!("{suffix:?} not in the output:\n{text}"));
    let digits: String = text[..at]
        .chars()
        .rev()
        .skip_while(|c| *c == ' ')
        .take_while(char::is_ascii_digit)
        .collect();
    digits.chars().rev().collect::<String>().parse().unwrap()
}

#[test]
fn the_demo_shows_breakers_opening_and_closing_retries_cache_hits_and_rejections() {
    let demo = support::build_example("demo");
    let mut cmd = Command::new(demo);
    cmd.arg("--quick")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    let out = support::run(cmd, Duration::from_secs(120));
    assert!(
        out.succeeded(),
        "{}: {}\n{}",
        out.outcome(),
        out.stderr,
        out.stdout
    );
    let text = &out.stdout;
    assert!(!text.contains('\x1b'), "no terminal escapes when piped");
    assert!(
        text.contains("live status page: http://127.0.0.1:"),
        "{text}"
    );
    for phase in 1..=5 {
        assert!(text.contains(&format!("phase {phase}/5: ")), "{text}");
    }
    // The summary, after the last table: beta's and gamma's breakers each opened and closed.
    let summary = &text[text.rfind("What happened:").expect("a summary")..];
    for name in ["beta", "gamma"] {
        let said = summary
            .split(['\n', ';'])
            .find(|part| part.contains(&format!("{name}'s breaker opened")))
            .unwrap_or_else(|| panic!("{summary}"));
        assert!(!said.contains(" 0 times"), "{said}");
    }
    assert!(
        number_before(summary, " calls failed fast") > 0,
        "{summary}"
    );
    assert!(number_before(summary, " cache hits") > 0, "{summary}");
    assert!(
        number_before(summary, " of ") > 0,
        "rate-limit rejections: {summary}"
    );

    // The last table: every balanced instance closed again and sharing the traffic; the batch and
    // the parallel processing report exactly the failures they were given.
    let last = &text[text.rfind("phase 5/5").unwrap()..];
    for name in ["alpha", "beta", "gamma"] {
        let row = last.lines().find(|l| l.starts_with(name)).unwrap();
        assert!(row.contains("healthy    closed"), "{row}");
    }
    assert!(
        last.contains("last: 200 items, 180 ok, 20 failed"),
        "{last}"
    );
    assert!(last.contains("last: 50 items, 50 processed"), "{last}");
    let balanced = last
        .lines()
        .find(|l| l.starts_with("load_balanced_request"))
        .unwrap();
    assert!(
        number_before(balanced, " retried on another instance") > 0,
        "{balanced}"
    );
    let changes = &last[last.find("BREAKER CHANGES").unwrap()..];
    assert!(changes.contains("half-open → closed"), "{changes}");
}
