//! Two functions registering one tool name stop the registry from being built, with an error that
//! names both functions. Its own test binary: the duplicate would break every other test here.

use sturdy::prelude::*;
use sturdy::RegistryError;

mod first {
    use sturdy::prelude::*;

    #[tool(name = "same")]
    pub fn alpha() -> String {
        "alpha".into()
    }
}

mod second {
    use sturdy::prelude::*;

    #[tool(name = "same")]
    pub fn beta(n: i64) -> i64 {
        n
    }
}

/// Not involved: the error is about `same` only.
#[tool]
fn unrelated() {}

#[test]
fn duplicate_tool_names_are_a_startup_error_naming_both_functions() {
    let err = Registry::from_inventory().expect_err("two tools are named `same`");
    let RegistryError::DuplicateName {
        name,
        first,
        second,
    } = &err
    else {
        panic!("expected DuplicateName, got {err:?}");
    };
    assert_eq!(name, "same");
    // Sorted by Rust path, so the order is stable.
    assert!(
        first.starts_with("duplicate_names::first::alpha (")
            && first.contains("tests/duplicate_names.rs:"),
        "{first}"
    );
    assert!(
        second.starts_with("duplicate_names::second::beta (")
            && second.contains("tests/duplicate_names.rs:"),
        "{second}"
    );

    let message = err.to_string();
    assert!(message.contains("`same`"), "{message}");
    assert!(
        message.contains("duplicate_names::first::alpha"),
        "{message}"
    );
    assert!(
        message.contains("duplicate_names::second::beta"),
        "{message}"
    );
    assert!(!message.contains("unrelated"), "{message}");

    // The functions themselves are untouched by #[tool].
    assert_eq!(first::alpha(), "alpha");
    assert_eq!(second::beta(3), 3);
    unrelated();
}
