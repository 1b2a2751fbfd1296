//! Prompts defined at run time rather than by `#[prompt]`: a gateway's upstream prompts. Each is
//! its listing as clients see it and the function `prompts/get` goes to, given the arguments.

use super::GetError;
use crate::completion::DynamicCompleter;
use crate::context::Context;
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What a dynamic prompt's `prompts/get` yields: the result (`description`, `messages`), or why
/// there is none.
pub type DynamicGetOutcome = Result<Value, GetError>;

type GetFn = dyn Fn(Context, Map<String, Value>) -> Pin<Box<dyn Future<Output = DynamicGetOutcome> + Send>>
    + Send
    + Sync;

/// A prompt defined at run time, for [`Prompts::from_parts`](super::Prompts::from_parts).
///
/// ```
/// use serde_json::json;
/// use sturdy_runtime::prompts::{DynamicPrompt, Prompts};
///
/// let greet = DynamicPrompt::new(
///     json!({"name": "greet", "arguments": [{"name": "who", "required": true}]}),
///     |_ctx, arguments| async move {
///         let who = arguments["who"].as_str().unwrap_or("you").to_owned();
///         Ok(json!({"messages": [
///             {"role": "user", "content": {"type": "text", "text": format!("Greet {who}.")}}
///         ]}))
///     },
/// );
/// let prompts = Prompts::from_parts([], [greet]).unwrap();
/// assert_eq!(prompts.listed()[0]["name"], "greet");
/// ```
#[derive(Clone)]
pub struct DynamicPrompt {
    pub(super) listing: Value,
    pub(super) scopes: &'static [&'static str],
    pub(super) get: Arc<GetFn>,
    pub(super) completer: Option<DynamicCompleter>,
}

// A panic in a call is caught and becomes that call's error, as for the macros' functions: the
// server never reads what the function holds, it only calls it again, so it stays unwind safe
// whatever the function captures (a client, a pool).
impl std::panic::UnwindSafe for DynamicPrompt {}
impl std::panic::RefUnwindSafe for DynamicPrompt {}

impl std::fmt::Debug for DynamicPrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicPrompt")
            .field("listing", &self.listing)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl DynamicPrompt {
    /// A prompt listed as `listing` (an object with `name`, and whatever else its list entry
    /// shows: `title`, `description`, `arguments`, …), whose `prompts/get` runs `get` with the
    /// arguments given. A listing without a name is refused when the prompts are put together.
    pub fn new<F, Fut>(listing: Value, get: F) -> DynamicPrompt
    where
        F: Fn(Context, Map<String, Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = DynamicGetOutcome> + Send + 'static,
    {
        DynamicPrompt {
            listing,
            scopes: &[],
            get: Arc::new(move |ctx, arguments| Box::pin(get(ctx, arguments))),
            completer: None,
        }
    }

    /// What a caller's access token must grant to see and get it (HTTP with an authorization
    /// server only).
    pub fn scopes<S: AsRef<str>>(mut self, scopes: impl IntoIterator<Item = S>) -> DynamicPrompt {
        self.scopes = crate::scope_lists::intern_all(scopes);
        self
    }

    /// The completions of its arguments.
    pub fn completions(mut self, completer: DynamicCompleter) -> DynamicPrompt {
        self.completer = Some(completer);
        self
    }

    /// Its list entry.
    pub fn listing(&self) -> &Value {
        &self.listing
    }
}
