//! Expensive computations behind a cache.

use super::Status;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sturdy::prelude::*;
use sturdy::resilience::served_from_cache;

/// The computations `cached_expensive_operation` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Operation {
    /// F(n), for n up to 93 (the largest that fits in a JSON integer).
    Fibonacci,
    /// Whether n is prime.
    PrimeCheck,
}

// `Deserialize` too: replicas sharing a cache (`STURDY_REDIS_URL`) store it as JSON.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
enum Computed {
    Number(u64),
    Answer(bool),
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Expensive {
    /// F(n) for `fibonacci`, whether n is prime for `prime_check`.
    result: Computed,
    /// Whether the result came from the cache (true for falsy results too, such as F(0) = 0).
    cached: bool,
    /// Always `success` (failures are error results).
    status: Status,
}

/// Run an expensive operation on n, `fibonacci` (n up to 93) or `prime_check`, caching each
/// result for 10 minutes per (n, operation): a repeated call is answered from the cache with
/// `cached: true` (also when the result is 0 or false). An unknown operation is an
/// `invalid_arguments` error naming the argument.
#[tool(read_only, idempotent)]
async fn cached_expensive_operation(
    #[arg(description = "The input number")] n: u64,
    #[arg(description = "`fibonacci` or `prime_check`")] operation: Operation,
) -> Result<Expensive, ToolError> {
    let result = compute(n, operation).await?;
    Ok(Expensive {
        result,
        cached: served_from_cache(),
        status: Status::Success,
    })
}

/// The computation itself, cached: the tool around it learns from `served_from_cache` whether
/// this call ran it.
#[cached(ttl = 600)]
async fn compute(n: u64, operation: Operation) -> Result<Computed, ToolError> {
    match operation {
        Operation::Fibonacci if n > 93 => Err(ToolError::invalid_arguments(format!(
            "n = {n} is too large for `fibonacci`: F(n) fits in a JSON integer up to n = 93 (the \
             `fibonacci` tool goes to 186)"
        ))),
        Operation::Fibonacci => Ok(Computed::Number(fibonacci_u128(n) as u64)),
        Operation::PrimeCheck => Ok(Computed::Answer(is_prime(n))),
    }
}

/// F(n), exact up to n = 186; b runs one ahead and only saturates at F(187), never returned.
fn fibonacci_u128(n: u64) -> u128 {
    let (mut a, mut b) = (0u128, 1u128);
    for _ in 0..n {
        (a, b) = (b, a.saturating_add(b));
    }
    a
}

/// The largest `n` whose Fibonacci number fits in 128 bits.
const MAX_FIBONACCI: u64 = 186;

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Fibonacci {
    n: u64,
    /// F(n) in decimal: a string, because it exceeds the integers JSON numbers carry exactly.
    value: String,
}

/// The n-th Fibonacci number (F(0) = 0, F(1) = 1), for n up to 186. Results are cached for 5
/// minutes per n: a repeated call is answered from the cache (`_meta["dev.sturdy/cache"]: "hit"`).
#[tool(read_only, idempotent)]
#[cached(ttl = 300)]
async fn fibonacci(
    #[arg(description = "Which Fibonacci number, from 0 to 186")] n: u64,
) -> Result<Fibonacci, ToolError> {
    if n > MAX_FIBONACCI {
        return Err(ToolError::invalid_arguments(format!(
            "n = {n} is too large: F(n) fits in 128 bits up to n = {MAX_FIBONACCI}"
        )));
    }
    Ok(Fibonacci {
        n,
        value: fibonacci_u128(n).to_string(),
    })
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Primality {
    n: u64,
    is_prime: bool,
}

/// Whether n is a prime number (exact for every 64-bit n: deterministic Miller–Rabin). Results are
/// cached for 5 minutes per n: a repeated call is answered from the cache
/// (`_meta["dev.sturdy/cache"]: "hit"`).
#[tool(read_only, idempotent)]
#[cached(ttl = 300)]
async fn prime_check(
    #[arg(description = "The number to test, from 0 to 2^64 - 1")] n: u64,
) -> Result<Primality, ToolError> {
    Ok(Primality {
        n,
        is_prime: is_prime(n),
    })
}

fn is_prime(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in BASES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let mul = |a: u64, b: u64| (u128::from(a) * u128::from(b) % u128::from(n)) as u64;
    let pow = |mut base: u64, mut exp: u64| {
        let mut acc = 1;
        while exp > 0 {
            if exp & 1 == 1 {
                acc = mul(acc, base);
            }
            base = mul(base, base);
            exp >>= 1;
        }
        acc
    };
    // n - 1 = d · 2^s with d odd; these bases decide every n < 2^64.
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    BASES.iter().all(|&a| {
        let mut x = pow(a, d);
        if x == 1 || x == n - 1 {
            return true;
        }
        for _ in 1..s {
            x = mul(x, x);
            if x == n - 1 {
                return true;
            }
        }
        false
    })
}
