//! `#[bulkhead(10)]`, `#[bulkhead(max_concurrent = 10, max_wait = "2s")]`.

use crate::syntax::args::{unknown_argument, ArgList};
use crate::syntax::literal::{count, duration};
use std::time::Duration;
use syn::parse::{Parse, ParseStream};

/// The arguments written; the runtime's `BulkheadSpec::DEFAULT` supplies the others.
#[derive(Default)]
pub(crate) struct BulkheadAttr {
    pub max_concurrent: Option<u32>,
    /// Zero: reject at once when full.
    pub max_wait: Option<Duration>,
}

impl Parse for BulkheadAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let args: ArgList = input.parse()?;
        let mut attr = BulkheadAttr::default();
        match args.positional.as_slice() {
            [] => {}
            [first] => attr.max_concurrent = Some(count(first, false)?),
            [_, extra, ..] => {
                return Err(syn::Error::new_spanned(
                    extra,
                    "use `max_wait = …` for the wait",
                ))
            }
        }
        for (name, value) in &args.named {
            match name.to_string().as_str() {
                "max_concurrent" => attr.max_concurrent = Some(count(value, false)?),
                "max_wait" => attr.max_wait = Some(duration(value, true)?),
                _ => {
                    return Err(unknown_argument(
                        "bulkhead",
                        name,
                        "max_concurrent, max_wait",
                    ))
                }
            }
        }
        Ok(attr)
    }
}
