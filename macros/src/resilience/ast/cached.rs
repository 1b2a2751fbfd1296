//! `#[cached(ttl = 300, capacity = 10_000)]`.

use crate::syntax::args::{unknown_argument, ArgList};
use crate::syntax::literal::{count, duration};
use std::time::Duration;
use syn::parse::{Parse, ParseStream};

/// The arguments written; the runtime's `CacheSpec::DEFAULT` supplies the others.
#[derive(Default)]
pub(crate) struct CachedAttr {
    pub ttl: Option<Duration>,
    pub capacity: Option<u32>,
}

impl Parse for CachedAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let args: ArgList = input.parse()?;
        args.named_only("cached")?;
        let mut attr = CachedAttr::default();
        for (name, value) in &args.named {
            match name.to_string().as_str() {
                "ttl" => attr.ttl = Some(duration(value, false)?),
                "capacity" => attr.capacity = Some(count(value, false)?),
                _ => return Err(unknown_argument("cached", name, "ttl, capacity")),
            }
        }
        Ok(attr)
    }
}
