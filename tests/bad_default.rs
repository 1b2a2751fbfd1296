//! A parameter default that does not fit the parameter's type stops the registry from being built
//! (at start-up, not at the first call), naming the tool, the parameter and the mismatch. Its own
//! test binary: the bad default would break every other test here.

use sturdy::prelude::*;
use sturdy::RegistryError;

/// Counts, from a default that is not a number.
#[tool]
fn count(#[arg(default = "x")] from: i64) -> i64 {
    from
}

#[test]
fn a_default_of_the_wrong_type_is_a_startup_error() {
    let err = Registry::from_inventory().expect_err("the default \"x\" is not an i64");
    let RegistryError::BadDefault {
        tool,
        param,
        message,
    } = &err
    else {
        panic!("expected BadDefault, got {err:?}");
    };
    assert_eq!(tool, "count");
    assert_eq!(param, "from");
    assert!(message.contains("\"x\""), "{message}");
    assert!(message.contains("i64"), "{message}");

    assert_eq!(
        err.to_string(),
        "tool `count`, parameter `from`: default \"x\" does not fit the parameter's type: \
         invalid type: string \"x\", expected i64"
    );
    assert_eq!(count(5), 5);
}
