//! Argument completion (`completion/complete`): the values a client may offer while its user
//! types a prompt argument or a resource template variable, declared on the parameter with
//! `#[arg(complete = [...])]` (a fixed list, filtered by what was typed) or
//! `#[arg(complete = path::to_fn)]` (`fn(&str) -> Vec<String>`, given what was typed).

/// At most this many values go back (the MCP limit); `total` and `hasMore` say what was left.
pub(crate) const MAX_COMPLETIONS: usize = 100;

/// Where the candidates of one argument come from.
#[derive(Debug, Clone, Copy)]
pub enum Completer {
    /// A fixed list: the values that start with what was typed (ignoring ASCII case).
    Values(&'static [&'static str]),
    /// A function of what was typed, returning the candidates in order of relevance.
    Function(fn(&str) -> Vec<String>),
}

/// One answer of `completion/complete`.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The first [`MAX_COMPLETIONS`] candidates.
    pub values: Vec<String>,
    /// How many candidates there were.
    pub total: usize,
}

impl Completer {
    /// The candidates for `typed`.
    ///
    /// ```
    /// use sturdy_runtime::__private::Completer;
    /// let cities = Completer::Values(&["Paris", "Park City", "Lyon"]);
    /// assert_eq!(cities.complete("par").values, ["Paris", "Park City"]);
    /// ```
    pub fn complete(&self, typed: &str) -> Completion {
        let all: Vec<String> = match self {
            Completer::Values(values) => values
                .iter()
                .filter(|v| starts_with_ignoring_case(v, typed))
                .map(|v| (*v).to_owned())
                .collect(),
            Completer::Function(f) => f(typed),
        };
        let total = all.len();
        let mut values = all;
        values.truncate(MAX_COMPLETIONS);
        Completion { values, total }
    }
}

fn starts_with_ignoring_case(value: &str, prefix: &str) -> bool {
    value
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_filter_and_functions_are_capped() {
        let c = Completer::Values(&["alpha", "Alps", "beta", "é"]);
        assert_eq!(c.complete("AL").values, ["alpha", "Alps"]);
        assert_eq!(c.complete("").total, 4);
        // A prefix that would split a multi-byte character matches nothing, without panicking.
        assert!(Completer::Values(&["é"])
            .complete("\u{e9}x")
            .values
            .is_empty());
        fn many(typed: &str) -> Vec<String> {
            (0..250).map(|i| format!("{typed}{i}")).collect()
        }
        let c = Completer::Function(many).complete("n");
        assert_eq!((c.values.len(), c.total), (MAX_COMPLETIONS, 250));
        assert_eq!(c.values[0], "n0");
    }
}
