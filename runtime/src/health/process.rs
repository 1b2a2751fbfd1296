//! This process's own CPU and memory use, for readiness: a replica is not ready because *it* is
//! overloaded, not because something else on the machine is busy. Linux only (`/proc`, cgroups).

use std::time::Duration;

/// CPU time this process used over a 100 ms sample, as a fraction of the CPUs it may use (1.0:
/// every core busy with this process).
pub(super) async fn cpu_usage() -> Option<f64> {
    let cores = std::thread::available_parallelism().ok()?.get() as f64;
    let t0 = cpu_time()?;
    let started = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let used = cpu_time()?.saturating_sub(t0);
    let wall = started.elapsed();
    Some((used.as_secs_f64() / wall.as_secs_f64() / cores).min(1.0))
}

/// CPU time used so far by all of this process's threads: `utime + stime` of `/proc/self/stat`,
/// in clock ticks of 1/100 s (Linux's `USER_HZ`, fixed for user space).
fn cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let after = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of the line are the 12th and 13th after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Resident memory of this process as a fraction of what it may use: the cgroup's memory limit
/// when there is one (a container), else the machine's memory.
pub(super) fn memory_usage() -> Option<f64> {
    let rss = kib_field(
        &std::fs::read_to_string("/proc/self/status").ok()?,
        "VmRSS:",
    )? * 1024.0;
    let limit = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|m| m.trim().parse::<f64>().ok())
        .or_else(|| {
            Some(kib_field(&std::fs::read_to_string("/proc/meminfo").ok()?, "MemTotal:")? * 1024.0)
        })?;
    (limit > 0.0).then(|| rss / limit)
}

/// The value of a `Name:   123 kB` line.
fn kib_field(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn measures_this_process_on_linux() {
        if !cfg!(target_os = "linux") {
            return;
        }
        let memory = super::memory_usage().expect("measured");
        assert!(memory > 0.0 && memory < 1.0, "{memory}");
        // Busy on one thread meanwhile: at least a little CPU is used, at most all of it.
        // (Sampled up to 5 times: a loaded machine may not run the spinning thread in one.)
        let spin = std::thread::spawn(|| {
            let until = std::time::Instant::now() + std::time::Duration::from_millis(600);
            let mut x = 0u64;
            while std::time::Instant::now() < until {
                x = x.wrapping_add(1);
            }
            x
        });
        let mut samples = Vec::new();
        for _ in 0..5 {
            samples.push(super::cpu_usage().await.expect("measured"));
        }
        spin.join().unwrap();
        assert!(
            samples.iter().all(|c| (0.0..=1.0).contains(c)),
            "{samples:?}"
        );
        assert!(samples.iter().any(|c| *c > 0.0), "{samples:?}");
    }
}
