//! Arguments of the resilience attributes, validated at compile time with errors at the argument.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitBool, Path, UnOp};

/// The six attributes, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    RateLimited,
    Cached,
    Retry,
    CircuitBreaker,
    Timeout,
    Bulkhead,
}

impl Kind {
    pub fn from_ident(name: &str) -> Option<Kind> {
        Some(match name {
            "rate_limited" => Kind::RateLimited,
            "cached" => Kind::Cached,
            "retry" => Kind::Retry,
            "circuit_breaker" => Kind::CircuitBreaker,
            "timeout" => Kind::Timeout,
            "bulkhead" => Kind::Bulkhead,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::RateLimited => "rate_limited",
            Kind::Cached => "cached",
            Kind::Retry => "retry",
            Kind::CircuitBreaker => "circuit_breaker",
            Kind::Timeout => "timeout",
            Kind::Bulkhead => "bulkhead",
        }
    }
}

/// A duration in nanoseconds, from `30` (seconds), `0.5` (seconds) or `"500ms"`, `"2m"`, `"1h"`.
pub fn duration(expr: &Expr, allow_zero: bool) -> syn::Result<u64> {
    let nanos = match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i
            .base10_parse::<u64>()?
            .checked_mul(1_000_000_000)
            .ok_or_else(|| syn::Error::new(i.span(), "duration too long"))?,
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => (f.base10_parse::<f64>()? * 1e9) as u64,
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => parse_duration_str(&s.value()).ok_or_else(|| {
            syn::Error::new(
                s.span(),
                "expected a duration such as \"500ms\", \"30s\", \"2m\" or \"1h\"",
            )
        })?,
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => {
            return Err(syn::Error::new(
                expr.span(),
                "a duration cannot be negative",
            ))
        }
        _ => {
            return Err(syn::Error::new(
                expr.span(),
                "expected a duration: seconds (`30`, `0.5`) or a string (\"500ms\", \"2m\")",
            ))
        }
    };
    if nanos == 0 && !allow_zero {
        return Err(syn::Error::new(
            expr.span(),
            "this duration must be longer than zero",
        ));
    }
    Ok(nanos)
}

fn parse_duration_str(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = s.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return None,
    };
    Some((number * scale) as u64)
}

/// A positive integer (`allow_zero` for counts where zero makes sense).
pub fn integer(expr: &Expr, allow_zero: bool) -> syn::Result<u64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => {
            let v = i.base10_parse::<u64>()?;
            // Every count fits in a u32; a larger literal would be truncated silently.
            if v > u64::from(u32::MAX) {
                return Err(syn::Error::new(
                    i.span(),
                    format!("too large: at most {}", u32::MAX),
                ));
            }
            if v == 0 && !allow_zero {
                Err(syn::Error::new(i.span(), "must be at least 1"))
            } else {
                Ok(v)
            }
        }
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => Err(syn::Error::new(expr.span(), "cannot be negative")),
        _ => Err(syn::Error::new(expr.span(), "expected an integer literal")),
    }
}

/// The default failure-rate window, in calls.
const DEFAULT_WINDOW: u64 = 20;
/// The runtime's `FailureRate::MAX_WINDOW`.
const MAX_WINDOW: u64 = 10_000;

/// A share above 0 and at most 1: `0.5`, `1`.
pub fn fraction(expr: &Expr) -> syn::Result<f64> {
    let value = match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse::<f64>()?,
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<u64>()? as f64,
        _ => {
            return Err(syn::Error::new(
                expr.span(),
                "expected a share of calls such as `0.5`",
            ))
        }
    };
    if value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err(syn::Error::new(
            expr.span(),
            "a failure rate is above 0 and at most 1 (`0.5` is half of the calls)",
        ))
    }
}

/// A path to a `fn(&E) -> bool`.
pub fn predicate(expr: &Expr) -> syn::Result<Path> {
    match expr {
        Expr::Path(p) => Ok(p.path.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a path to a `fn(&E) -> bool`",
        )),
    }
}

pub fn boolean(expr: &Expr) -> syn::Result<bool> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(LitBool { value, .. }),
            ..
        }) => Ok(*value),
        _ => Err(syn::Error::new(expr.span(), "expected `true` or `false`")),
    }
}

/// `name = value` pairs and positional values, in order.
pub struct RawArgs {
    pub positional: Vec<Expr>,
    pub named: Vec<(Ident, Expr)>,
}

impl RawArgs {
    pub fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let parser = |input: ParseStream| {
            let mut positional = Vec::new();
            let mut named = Vec::new();
            while !input.is_empty() {
                if input.peek(Ident) && input.peek2(syn::Token![=]) {
                    let name: Ident = input.parse()?;
                    input.parse::<syn::Token![=]>()?;
                    named.push((name, input.parse()?));
                } else {
                    if !named.is_empty() {
                        return Err(input.error("positional arguments come before named ones"));
                    }
                    positional.push(input.parse()?);
                }
                if !input.is_empty() {
                    input.parse::<syn::Token![,]>()?;
                }
            }
            Ok(RawArgs { positional, named })
        };
        parser.parse2(tokens)
    }
}

/// The rate-limit key.
pub enum RateKeyArg {
    Client,
    Global,
    Param(Ident),
}

/// Everything written in one function's resilience attributes.
#[derive(Default)]
pub struct Policies {
    pub rate: Option<(u64, u64, RateKeyArg)>,
    pub cache: Option<(u64, u64)>,
    pub retry: Option<RetryArgs>,
    pub breaker: Option<BreakerArgs>,
    pub timeout: Option<u64>,
    pub bulkhead: Option<(u64, u64)>,
}

pub struct BreakerArgs {
    pub threshold: u64,
    pub recovery: u64,
    pub half_open: u64,
    /// `(rate, window, min_calls)` in failure-rate mode.
    pub failure_rate: Option<(f64, u64, u64)>,
    pub when: Option<Path>,
}

pub struct RetryArgs {
    pub max: u64,
    pub base: u64,
    pub max_delay: u64,
    pub jitter: bool,
    pub when: Option<Path>,
}

impl Policies {
    /// Adds one attribute's arguments; `span` points at the attribute for errors about it as a
    /// whole.
    pub fn add(&mut self, kind: Kind, tokens: TokenStream, span: Span) -> syn::Result<()> {
        let args = RawArgs::parse(tokens)?;
        let duplicate = match kind {
            Kind::RateLimited => self.rate.is_some(),
            Kind::Cached => self.cache.is_some(),
            Kind::Retry => self.retry.is_some(),
            Kind::CircuitBreaker => self.breaker.is_some(),
            Kind::Timeout => self.timeout.is_some(),
            Kind::Bulkhead => self.bulkhead.is_some(),
        };
        if duplicate {
            return Err(syn::Error::new(
                span,
                format!("#[{}] is given twice on this function", kind.name()),
            ));
        }
        let named_only = |args: &RawArgs| match args.positional.first() {
            Some(p) => Err(syn::Error::new(
                p.span(),
                format!("#[{}] takes named arguments (`name = value`)", kind.name()),
            )),
            None => Ok(()),
        };
        let unknown = |name: &Ident, expected: &str| {
            syn::Error::new(
                name.span(),
                format!(
                    "unknown #[{}] argument `{name}`; expected one of: {expected}",
                    kind.name()
                ),
            )
        };
        match kind {
            Kind::CircuitBreaker => {
                named_only(&args)?;
                let mut b = BreakerArgs {
                    threshold: 5,
                    recovery: 60_000_000_000,
                    half_open: 1,
                    failure_rate: None,
                    when: None,
                };
                let (mut threshold, mut rate, mut window, mut min_calls) = (None, None, None, None);
                for (name, value) in &args.named {
                    match name.to_string().as_str() {
                        "threshold" => threshold = Some((name, integer(value, false)?)),
                        "recovery" => b.recovery = duration(value, false)?,
                        "half_open" => b.half_open = integer(value, false)?,
                        "failure_rate" => rate = Some(fraction(value)?),
                        "window" => window = Some((name, value, integer(value, false)?)),
                        "min_calls" => min_calls = Some((name, value, integer(value, false)?)),
                        "when" => b.when = Some(predicate(value)?),
                        _ => return Err(unknown(
                            name,
                            "threshold, recovery, half_open, failure_rate, window, min_calls, when",
                        )),
                    }
                }
                match (rate, threshold) {
                    (Some(_), Some((name, _))) => {
                        return Err(syn::Error::new(
                            name.span(),
                            "`threshold` (consecutive failures) and `failure_rate` are alternatives: give one",
                        ))
                    }
                    (None, Some((_, t))) => b.threshold = t,
                    _ => {}
                }
                match rate {
                    Some(rate) => {
                        if let Some((_, expr, n)) = window {
                            if n > MAX_WINDOW {
                                return Err(syn::Error::new(
                                    expr.span(),
                                    format!("too large: a window holds at most {MAX_WINDOW} calls"),
                                ));
                            }
                        }
                        let window = window.map_or(DEFAULT_WINDOW, |(.., n)| n);
                        let min_calls = match min_calls {
                            Some((_, expr, n)) if n > window => {
                                return Err(syn::Error::new(
                                    expr.span(),
                                    format!(
                                        "`min_calls` cannot exceed the window ({window} calls)"
                                    ),
                                ))
                            }
                            Some((_, _, n)) => n,
                            None => window.div_ceil(2),
                        };
                        b.failure_rate = Some((rate, window, min_calls));
                    }
                    None => {
                        if let Some((name, ..)) = window.or(min_calls) {
                            return Err(syn::Error::new(
                                name.span(),
                                format!("`{name}` belongs to the failure-rate mode: add `failure_rate = 0.5`"),
                            ));
                        }
                    }
                }
                self.breaker = Some(b);
            }
            Kind::Retry => {
                named_only(&args)?;
                let mut r = RetryArgs {
                    max: 3,
                    base: 1_000_000_000,
                    max_delay: 60_000_000_000,
                    jitter: true,
                    when: None,
                };
                for (name, value) in &args.named {
                    match name.to_string().as_str() {
                        "max" => r.max = integer(value, false)?,
                        "base" => r.base = duration(value, false)?,
                        "max_delay" => r.max_delay = duration(value, false)?,
                        "jitter" => r.jitter = boolean(value)?,
                        "when" => r.when = Some(predicate(value)?),
                        _ => return Err(unknown(name, "max, base, max_delay, jitter, when")),
                    }
                }
                self.retry = Some(r);
            }
            Kind::Cached => {
                named_only(&args)?;
                let (mut ttl, mut capacity) = (300_000_000_000, 10_000);
                for (name, value) in &args.named {
                    match name.to_string().as_str() {
                        "ttl" => ttl = duration(value, false)?,
                        "capacity" => capacity = integer(value, false)?,
                        _ => return Err(unknown(name, "ttl, capacity")),
                    }
                }
                self.cache = Some((ttl, capacity));
            }
            Kind::RateLimited => {
                let mut limit = None;
                let mut window = None;
                let mut key = RateKeyArg::Client;
                match args.positional.as_slice() {
                    [] => {}
                    [l] => limit = Some(integer(l, false)?),
                    [l, w] => {
                        limit = Some(integer(l, false)?);
                        window = Some(duration(w, false)?);
                    }
                    [_, _, extra, ..] => {
                        return Err(syn::Error::new(
                            extra.span(),
                            "#[rate_limited] takes at most two positional arguments: calls, window",
                        ))
                    }
                }
                for (name, value) in &args.named {
                    match name.to_string().as_str() {
                        "calls" | "limit" => limit = Some(integer(value, false)?),
                        "window" | "per" => window = Some(duration(value, false)?),
                        "key" => {
                            key = match value {
                                Expr::Path(p) if p.path.is_ident("client") => RateKeyArg::Client,
                                Expr::Path(p) if p.path.is_ident("global") => RateKeyArg::Global,
                                Expr::Path(p) if p.path.get_ident().is_some() => {
                                    RateKeyArg::Param(p.path.get_ident().cloned().unwrap())
                                }
                                other => {
                                    return Err(syn::Error::new(
                                        other.span(),
                                        "expected `client`, `global` or a parameter name",
                                    ))
                                }
                            }
                        }
                        _ => return Err(unknown(name, "calls, window, key")),
                    }
                }
                let limit = limit.ok_or_else(|| {
                    syn::Error::new(
                        span,
                        "#[rate_limited] needs a number of calls: #[rate_limited(100, 60)]",
                    )
                })?;
                self.rate = Some((limit, window.unwrap_or(60_000_000_000), key));
            }
            Kind::Timeout => {
                let value = match (args.positional.as_slice(), args.named.as_slice()) {
                    ([v], []) => v,
                    ([], [(name, v)]) if name == "seconds" || name == "after" => v,
                    ([], [(name, _)]) => return Err(unknown(name, "seconds")),
                    _ => return Err(syn::Error::new(
                        span,
                        "#[timeout] takes one duration: #[timeout(30)] or #[timeout(\"500ms\")]",
                    )),
                };
                self.timeout = Some(duration(value, false)?);
            }
            Kind::Bulkhead => {
                let (mut max_concurrent, mut max_wait) = (10, 0);
                if let Some(first) = args.positional.first() {
                    max_concurrent = integer(first, false)?;
                }
                if let Some(extra) = args.positional.get(1) {
                    return Err(syn::Error::new(
                        extra.span(),
                        "use `max_wait = …` for the wait",
                    ));
                }
                for (name, value) in &args.named {
                    match name.to_string().as_str() {
                        "max_concurrent" => max_concurrent = integer(value, false)?,
                        "max_wait" => max_wait = duration(value, true)?,
                        _ => return Err(unknown(name, "max_concurrent, max_wait")),
                    }
                }
                self.bulkhead = Some((max_concurrent, max_wait));
            }
        }
        Ok(())
    }

    /// The `PolicySpec` constant expression.
    pub fn spec(&self, p: &TokenStream, blocking: bool) -> TokenStream {
        let dur = |n: u64| quote!(::core::time::Duration::from_nanos(#n));
        let opt = |t: Option<TokenStream>| match t {
            Some(t) => quote!(::core::option::Option::Some(#t)),
            None => quote!(::core::option::Option::None),
        };
        let rate = opt(self.rate.as_ref().map(|(limit, window, key)| {
            let limit = *limit as u32;
            let window = dur(*window);
            let key = match key {
                RateKeyArg::Client => quote!(#p::RateKey::Client),
                RateKeyArg::Global => quote!(#p::RateKey::Global),
                RateKeyArg::Param(name) => {
                    let s = name.to_string();
                    quote!(#p::RateKey::Param(#s))
                }
            };
            quote!(#p::RateSpec { limit: #limit, window: #window, key: #key })
        }));
        let cache = opt(self.cache.map(|(ttl, capacity)| {
            let ttl = dur(ttl);
            quote!(#p::CacheSpec { ttl: #ttl, capacity: #capacity })
        }));
        let retry = opt(self.retry.as_ref().map(|r| {
            let (max, base, max_delay, jitter) =
                (r.max as u32, dur(r.base), dur(r.max_delay), r.jitter);
            let when = r.when.is_some();
            quote!(#p::RetrySpec {
                retry: #p::Retry { max: #max, base: #base, max_delay: #max_delay, jitter: #jitter },
                when: #when,
            })
        }));
        let breaker = opt(self.breaker.as_ref().map(|b| {
            let (threshold, recovery, half_open) =
                (b.threshold as u32, dur(b.recovery), b.half_open as u32);
            let failure_rate = opt(b.failure_rate.map(|(rate, window, min_calls)| {
                let (window, min_calls) = (window as u32, min_calls as u32);
                quote!(#p::FailureRate { rate: #rate, window: #window, min_calls: #min_calls })
            }));
            quote!(#p::CircuitBreakerConfig {
                threshold: #threshold, recovery: #recovery, half_open: #half_open,
                failure_rate: #failure_rate,
            })
        }));
        let breaker_when = self.breaker.as_ref().is_some_and(|b| b.when.is_some());
        let timeout = opt(self.timeout.map(dur));
        let bulkhead = opt(self.bulkhead.map(|(max_concurrent, max_wait)| {
            let (max_concurrent, max_wait) = (max_concurrent as usize, dur(max_wait));
            quote!(#p::BulkheadSpec { max_concurrent: #max_concurrent, max_wait: #max_wait })
        }));
        quote! {
            #p::PolicySpec {
                rate_limit: #rate, cache: #cache, retry: #retry, circuit_breaker: #breaker,
                breaker_when: #breaker_when, timeout: #timeout, bulkhead: #bulkhead, blocking: #blocking,
            }
        }
    }
}
