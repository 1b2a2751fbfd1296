//! `#[timeout(30)]`, `#[timeout("500ms")]`, `#[timeout(seconds = 30)]`.

use crate::syntax::args::{unknown_argument, ArgList};
use crate::syntax::literal::duration;
use std::time::Duration;
use syn::parse::{Parse, ParseStream};

/// The limit, if written (`None` is reported at the attribute, which the parser cannot see).
pub(crate) struct TimeoutAttr {
    pub after: Option<Duration>,
}

impl Parse for TimeoutAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let args: ArgList = input.parse()?;
        let value = match (args.positional.as_slice(), args.named.as_slice()) {
            ([v], []) => v,
            ([], [(name, v)]) if name == "seconds" || name == "after" => v,
            ([], [(name, _)]) => return Err(unknown_argument("timeout", name, "seconds")),
            _ => return Ok(TimeoutAttr { after: None }),
        };
        Ok(TimeoutAttr {
            after: Some(duration(value, false)?),
        })
    }
}
