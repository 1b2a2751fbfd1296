//! Argument completion (`completion/complete`): the values a client may offer while its user
//! types a prompt argument or a resource template variable, declared on the parameter with
//! `#[arg(complete = [...])]` (a fixed list, filtered by what was typed) or
//! `#[arg(complete = path::to_fn)]` (`fn(&str) -> Vec<String>`, given what was typed); or, for
//! prompts and resources defined at run time, an async function of the whole request (a gateway
//! asks the upstream that serves them).

use crate::context::Context;
use crate::error::ToolError;
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// At most this many values go back (the MCP limit); `total` and `hasMore` say what was left.
pub(crate) const MAX_COMPLETIONS: usize = 100;

/// Where the candidates of one argument come from, as `#[arg(complete = …)]` declares them.
#[doc(hidden)]
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
    /// The first candidates (at most 100, the protocol's limit).
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

/// What a client asked to complete, as a run-time completer is given it.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRequest {
    /// The argument's (or template variable's) name.
    pub argument: String,
    /// What the user typed so far.
    pub value: String,
    /// The values of the other arguments already given (`context.arguments`).
    pub arguments: Map<String, Value>,
}

/// What a run-time completer's future yields.
pub type CompletionOutcome = Result<Completion, ToolError>;

type CompleteFn = dyn Fn(Context, CompletionRequest) -> Pin<Box<dyn Future<Output = CompletionOutcome> + Send>>
    + Send
    + Sync;

/// The completions of the arguments of one prompt or resource template defined at run time:
/// an async function of the call's context and the request.
#[derive(Clone)]
pub struct DynamicCompleter(Arc<CompleteFn>);

// A panic in a call is caught and becomes that call's error, as for the macros' functions: the
// server never reads what the function holds, it only calls it again, so it stays unwind safe
// whatever the function captures (a client, a pool).
impl std::panic::UnwindSafe for DynamicCompleter {}
impl std::panic::RefUnwindSafe for DynamicCompleter {}

impl std::fmt::Debug for DynamicCompleter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DynamicCompleter")
    }
}

impl DynamicCompleter {
    /// Completions computed by `complete`.
    ///
    /// ```
    /// use sturdy_runtime::completion::{Completion, DynamicCompleter};
    /// let colours = DynamicCompleter::new(|_ctx, request| async move {
    ///     let values: Vec<String> = ["red", "green"]
    ///         .into_iter()
    ///         .filter(|c| c.starts_with(&request.value))
    ///         .map(String::from)
    ///         .collect();
    ///     Ok(Completion { total: values.len(), values })
    /// });
    /// # let _ = colours;
    /// ```
    pub fn new<F, Fut>(complete: F) -> DynamicCompleter
    where
        F: Fn(Context, CompletionRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CompletionOutcome> + Send + 'static,
    {
        DynamicCompleter(Arc::new(move |ctx, request| {
            Box::pin(complete(ctx, request))
        }))
    }

    pub(crate) fn complete(
        &self,
        ctx: Context,
        request: CompletionRequest,
    ) -> impl Future<Output = CompletionOutcome> + Send {
        (self.0)(ctx, request)
    }
}

/// Where the candidates of one argument come from, once the argument is found.
pub(crate) enum CompletionSource {
    /// Declared with `#[arg(complete = …)]` (`None`: nothing declared, so no candidates).
    Declared(Option<Completer>),
    /// Asked of a run-time completer.
    Dynamic(DynamicCompleter),
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
