//! `#[cached(ttl = 300, capacity = 10_000)]`, `#[cached(shared)]`, `#[cached(per = client)]`.

use crate::syntax::args::{unknown_argument, ArgList};
use crate::syntax::literal::{count, duration};
use std::time::Duration;
use syn::parse::{Parse, ParseStream};

/// The arguments written; the runtime's `CacheSpec::DEFAULT` supplies the others.
#[derive(Default)]
pub(crate) struct CachedAttr {
    pub ttl: Option<Duration>,
    pub capacity: Option<u32>,
    /// `shared`: one entry per arguments for every caller, even for a function taking
    /// `Context` (whose entries are otherwise kept per caller).
    pub shared: bool,
    /// `per = client`: entries kept per caller, whether or not the function takes `Context`.
    pub per_client: bool,
}

impl Parse for CachedAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let args: ArgList = input.parse()?;
        let mut attr = CachedAttr::default();
        let mut shared_flag = None;
        for flag in &args.positional {
            match flag {
                syn::Expr::Path(p) if p.path.is_ident("shared") => {
                    attr.shared = true;
                    shared_flag = Some(flag);
                }
                other => {
                    return Err(syn::Error::new_spanned(
                        other,
                        "#[cached] takes `shared` and named arguments (`ttl = 60`, \
                         `capacity = 1000`, `per = client`)",
                    ))
                }
            }
        }
        for (name, value) in &args.named {
            match name.to_string().as_str() {
                "ttl" => attr.ttl = Some(duration(value, false)?),
                "capacity" => attr.capacity = Some(count(value, false)?),
                "per" => match value {
                    syn::Expr::Path(p) if p.path.is_ident("client") => attr.per_client = true,
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "`per` takes `client`: entries kept per caller (`per = client`)",
                        ))
                    }
                },
                _ => {
                    return Err(unknown_argument(
                        "cached",
                        name,
                        "ttl, capacity, per, shared",
                    ))
                }
            }
        }
        if let (Some(flag), true) = (shared_flag, attr.per_client) {
            return Err(syn::Error::new_spanned(
                flag,
                "`shared` and `per = client` contradict each other: entries are either one per \
                 arguments for everyone or kept per caller",
            ));
        }
        Ok(attr)
    }
}
