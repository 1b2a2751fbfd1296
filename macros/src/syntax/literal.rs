//! Literal argument values, each checked with an error at the value.

use std::time::Duration;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitStr, Path, UnOp};

/// A duration: seconds (`30`, `0.5`) or a string with a unit (`"500ms"`, `"30s"`, `"2m"`, `"1h"`).
/// Zero only where `allow_zero` says it means something.
pub(crate) fn duration(expr: &Expr, allow_zero: bool) -> syn::Result<Duration> {
    let value = match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => Duration::from_secs(i.base10_parse::<u64>()?),
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => Duration::try_from_secs_f64(f.base10_parse::<f64>()?)
            .map_err(|_| syn::Error::new(f.span(), "duration out of range"))?,
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => duration_with_unit(&s.value()).ok_or_else(|| {
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
    // The runtime builds it with `Duration::from_nanos(u64)`.
    if value.as_nanos() > u128::from(u64::MAX) {
        return Err(syn::Error::new(expr.span(), "duration too long"));
    }
    if value.is_zero() && !allow_zero {
        return Err(syn::Error::new(
            expr.span(),
            "this duration must be longer than zero",
        ));
    }
    Ok(value)
}

fn duration_with_unit(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = s.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds_per_unit = match unit.trim() {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(number * seconds_per_unit).ok()
}

/// A count: a positive integer that fits the runtime's `u32` (zero where `allow_zero`).
pub(crate) fn count(expr: &Expr, allow_zero: bool) -> syn::Result<u32> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => {
            let v = i.base10_parse::<u64>()?;
            let v = u32::try_from(v).map_err(|_| {
                syn::Error::new(i.span(), format!("too large: at most {}", u32::MAX))
            })?;
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

/// A share of calls above 0 and at most 1: `0.5`, `1`.
pub(crate) fn fraction(expr: &Expr) -> syn::Result<f64> {
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
pub(crate) fn predicate(expr: &Expr) -> syn::Result<Path> {
    match expr {
        Expr::Path(p) => Ok(p.path.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a path to a `fn(&E) -> bool`",
        )),
    }
}

/// `true` or `false`.
pub(crate) fn boolean(expr: &Expr) -> syn::Result<bool> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        _ => Err(syn::Error::new(expr.span(), "expected `true` or `false`")),
    }
}

/// A string literal, for `option = "…"`.
pub(crate) fn string(expr: Expr, option: &str) -> syn::Result<LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{option}` takes a string literal: `{option} = \"…\"`"),
        )),
    }
}
