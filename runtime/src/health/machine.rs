//! The whole machine's CPU and memory use, from `/proc` (Linux only).

use std::time::Duration;

/// Fraction of CPU time busy over a 100 ms sample, from `/proc/stat`.
pub(super) async fn cpu_usage() -> Option<f64> {
    fn sample() -> Option<(u64, u64)> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        let idle = fields.get(3)? + fields.get(4).unwrap_or(&0);
        Some((fields.iter().sum(), idle))
    }
    let (t0, i0) = sample()?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (t1, i1) = sample()?;
    let total = t1.saturating_sub(t0);
    (total > 0).then(|| 1.0 - (i1.saturating_sub(i0)) as f64 / total as f64)
}

/// Fraction of memory in use (not available), from `/proc/meminfo`.
pub(super) fn memory_usage() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<f64> {
        info.lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let total = field("MemTotal:")?;
    let available = field("MemAvailable:")?;
    (total > 0.0).then(|| 1.0 - available / total)
}
