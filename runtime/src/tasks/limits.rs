//! The bounds of the tasks a server keeps, from the environment.

use std::time::Duration;

/// How many tasks, and how many bytes of results, are kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// How long a task is kept from its creation (`ttlMs`; `STURDY_TASK_TTL`, seconds).
    pub(crate) ttl: Duration,
    /// How long a task may run (`STURDY_TASK_TIMEOUT`, seconds): then it is cancelled.
    pub(crate) timeout: Duration,
    /// Tasks one caller may have kept at once (`STURDY_TASKS_PER_CLIENT`).
    pub(crate) per_owner: usize,
    /// Tasks kept at once, in all.
    pub(crate) total: usize,
    /// Largest result (or error) one task keeps, in bytes: a larger one fails the task.
    pub(crate) result_bytes: usize,
    /// Bytes of results kept, in all.
    pub(crate) total_bytes: usize,
    /// What `pollIntervalMs` suggests.
    pub(crate) poll_interval: Duration,
    /// With tasks shared on Redis: how long a runner's promise to be alive lasts
    /// (`STURDY_TASK_LEASE`, seconds). It renews it three times per lease; a task whose lease
    /// lapses (its replica died) reads as failed.
    pub(crate) lease: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            ttl: Duration::from_secs(3600),
            timeout: Duration::from_secs(3600),
            per_owner: 1000,
            total: 10_000,
            result_bytes: 4 << 20,
            total_bytes: 256 << 20,
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(15),
        }
    }
}

impl Limits {
    /// The defaults, with `STURDY_TASK_TTL` and `STURDY_TASK_TIMEOUT` (seconds) `STURDY_TASK_LEASE` (seconds)
    /// and `STURDY_TASKS_PER_CLIENT` read; an error names a value that is not a positive number.
    pub(crate) fn from_env() -> Result<Limits, String> {
        let mut limits = Limits::default();
        if let Ok(value) = std::env::var("STURDY_TASKS_PER_CLIENT") {
            limits.per_owner = value
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("STURDY_TASKS_PER_CLIENT={value:?}: a positive number"))?;
        }
        for (name, slot) in [
            ("STURDY_TASK_TTL", &mut limits.ttl),
            ("STURDY_TASK_TIMEOUT", &mut limits.timeout),
            ("STURDY_TASK_LEASE", &mut limits.lease),
        ] {
            if let Ok(value) = std::env::var(name) {
                let secs: u64 = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{name}={value:?}: a positive number of seconds"))?;
                *slot = Duration::from_secs(secs);
            }
        }
        Ok(limits)
    }
}
