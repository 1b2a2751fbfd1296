//! Misuse of `#[tool]` is a compile error at the offending token. The expected messages are the
//! `.stderr` snapshots next to each case in `tests/ui/`; regenerate them with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
