//! `#[rate_limited(100, 60, key = client)]`, `#[rate_limited(calls = 100, window = "1m")]`.

use crate::syntax::args::{unknown_argument, ArgList};
use crate::syntax::literal::{count, duration};
use std::time::Duration;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident};

/// The arguments written. `calls` is required; that is checked against the attribute's span.
#[derive(Default)]
pub(crate) struct RateLimitedAttr {
    pub calls: Option<u32>,
    /// The runtime's `RateSpec::DEFAULT_WINDOW` when absent.
    pub window: Option<Duration>,
    pub key: RateKey,
}

/// Whose calls are counted together.
#[derive(Default)]
pub(crate) enum RateKey {
    /// Per MCP client.
    #[default]
    Client,
    /// Everyone together.
    Global,
    /// Per value of this parameter.
    Param(Ident),
}

impl Parse for RateLimitedAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let args: ArgList = input.parse()?;
        let mut attr = RateLimitedAttr::default();
        match args.positional.as_slice() {
            [] => {}
            [calls] => attr.calls = Some(count(calls, false)?),
            [calls, window] => {
                attr.calls = Some(count(calls, false)?);
                attr.window = Some(duration(window, false)?);
            }
            [_, _, extra, ..] => {
                return Err(syn::Error::new_spanned(
                    extra,
                    "#[rate_limited] takes at most two positional arguments: calls, window",
                ))
            }
        }
        for (name, value) in &args.named {
            match name.to_string().as_str() {
                "calls" | "limit" => attr.calls = Some(count(value, false)?),
                "window" | "per" => attr.window = Some(duration(value, false)?),
                "key" => attr.key = rate_key(value)?,
                _ => return Err(unknown_argument("rate_limited", name, "calls, window, key")),
            }
        }
        Ok(attr)
    }
}

fn rate_key(value: &Expr) -> syn::Result<RateKey> {
    let name = match value {
        Expr::Path(p) => p.path.get_ident(),
        _ => None,
    };
    match name {
        Some(n) if n == "client" => Ok(RateKey::Client),
        Some(n) if n == "global" => Ok(RateKey::Global),
        Some(n) => Ok(RateKey::Param(n.clone())),
        None => Err(syn::Error::new_spanned(
            value,
            "expected `client`, `global` or a parameter name",
        )),
    }
}
