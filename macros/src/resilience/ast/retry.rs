//! `#[retry(max = 3, base = 1, max_delay = 60, jitter = true, when = path)]`.

use crate::syntax::args::{unknown_argument, ArgList};
use crate::syntax::literal::{boolean, count, duration, predicate};
use std::time::Duration;
use syn::parse::{Parse, ParseStream};
use syn::Path;

/// The arguments written; the runtime's `Retry::DEFAULT` supplies the others.
#[derive(Default)]
pub(crate) struct RetryAttr {
    pub max: Option<u32>,
    pub base: Option<Duration>,
    pub max_delay: Option<Duration>,
    pub jitter: Option<bool>,
    /// Which errors are retried (all when absent).
    pub when: Option<Path>,
}

impl Parse for RetryAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let args: ArgList = input.parse()?;
        args.named_only("retry")?;
        let mut attr = RetryAttr::default();
        for (name, value) in &args.named {
            match name.to_string().as_str() {
                "max" => attr.max = Some(count(value, false)?),
                "base" => attr.base = Some(duration(value, false)?),
                "max_delay" => attr.max_delay = Some(duration(value, false)?),
                "jitter" => attr.jitter = Some(boolean(value)?),
                "when" => attr.when = Some(predicate(value)?),
                _ => {
                    return Err(unknown_argument(
                        "retry",
                        name,
                        "max, base, max_delay, jitter, when",
                    ))
                }
            }
        }
        Ok(attr)
    }
}
