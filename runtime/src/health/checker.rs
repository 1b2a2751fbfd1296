//! The checker: named sync or async checks, each bounded by a timeout, run together.

use super::report::{CheckResult, HealthReport, Status};
use super::{machine, process};
use crate::balancer::InstanceStats;
use crate::clock;
use crate::resilience::{self, CircuitState};
use futures_util::future::{join_all, BoxFuture};
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

type CheckFn = Arc<dyn Fn() -> BoxFuture<'static, CheckResult> + Send + Sync>;

struct Check {
    name: String,
    run: CheckFn,
}

/// A set of named checks.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use sturdy_runtime::health::{HealthChecker, Status};
///
/// let checker = HealthChecker::new()
///     .check("config", || Ok(()))
///     .check_async("database", || async { Err("connection refused".to_string()) });
/// let report = checker.run().await;
/// assert_eq!(report.status, Status::Unhealthy);
/// assert_eq!(report.checks["config"]["status"], "healthy");
/// # });
/// ```
pub struct HealthChecker {
    checks: Vec<Check>,
    timeout: Duration,
    started: Instant,
}

impl Default for HealthChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl HealthChecker {
    /// A checker without checks (add them with the builder methods).
    pub fn new() -> Self {
        HealthChecker {
            checks: Vec::new(),
            timeout: Duration::from_secs(5),
            started: Instant::now(),
        }
    }

    /// Bound on each check; a check still running then is unhealthy.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// A sync check, run on the blocking pool.
    pub fn check<R>(
        self,
        name: impl Into<String>,
        f: impl Fn() -> R + Send + Sync + 'static,
    ) -> Self
    where
        R: Into<CheckResult> + Send + 'static,
    {
        let f = Arc::new(f);
        self.push(name, move || {
            let f = f.clone();
            Box::pin(async move {
                match tokio::task::spawn_blocking(move || f().into()).await {
                    Ok(r) => r,
                    Err(e) => CheckResult::unhealthy(format!("the check panicked: {e}")),
                }
            })
        })
    }

    /// An async check.
    pub fn check_async<F, Fut, R>(self, name: impl Into<String>, f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<CheckResult>,
    {
        self.push(name, move || {
            let fut = f();
            Box::pin(async move { fut.await.into() })
        })
    }

    fn push(
        mut self,
        name: impl Into<String>,
        run: impl Fn() -> BoxFuture<'static, CheckResult> + Send + Sync + 'static,
    ) -> Self {
        self.checks.push(Check {
            name: name.into(),
            run: Arc::new(run),
        });
        self
    }

    /// Unhealthy when any circuit breaker of the resilience attributes is open (a dependency is
    /// failing), degraded while one is half-open.
    pub fn circuit_breakers(self) -> Self {
        self.check("circuit_breakers", || {
            let mut open = Vec::new();
            let mut half_open = Vec::new();
            for p in resilience::policies() {
                match p.circuit_breaker().map(|b| b.state()) {
                    Some(CircuitState::Open) => open.push(p.name()),
                    Some(CircuitState::HalfOpen) => half_open.push(p.name()),
                    _ => {}
                }
            }
            let details = json!({ "open": open, "half_open": half_open });
            if !open.is_empty() {
                CheckResult::unhealthy(format!("open circuits: {}", open.join(", ")))
                    .details(details)
            } else if !half_open.is_empty() {
                CheckResult::degraded(format!("half-open circuits: {}", half_open.join(", ")))
                    .details(details)
            } else {
                CheckResult::healthy().details(details)
            }
        })
    }

    /// The instances of a load balancer (or of [`Upstreams`](crate::remote::Upstreams)), from
    /// their stats: unhealthy when no instance can take calls (every breaker open), degraded
    /// while some are open or half-open, healthy otherwise.
    ///
    /// ```
    /// use sturdy_runtime::balancer::{LoadBalancer, Strategy};
    /// use sturdy_runtime::health::HealthChecker;
    /// use std::sync::Arc;
    ///
    /// let lb = Arc::new(LoadBalancer::new(Strategy::RoundRobin, [("a", ()), ("b", ())]));
    /// let checker = HealthChecker::new().instances("upstreams", move || lb.stats());
    /// ```
    pub fn instances(
        self,
        name: impl Into<String>,
        stats: impl Fn() -> Vec<InstanceStats> + Send + Sync + 'static,
    ) -> Self {
        self.check(name, move || {
            let instances = stats();
            let names_in = |state: CircuitState| -> Vec<&str> {
                instances
                    .iter()
                    .filter(|i| i.state == state)
                    .map(|i| i.name.as_str())
                    .collect()
            };
            let (open, half_open) = (
                names_in(CircuitState::Open),
                names_in(CircuitState::HalfOpen),
            );
            let details = json!({
                "instances": instances.iter().map(|i| json!({
                    "name": i.name, "state": i.state, "outstanding": i.outstanding,
                    "successes": i.successes, "failures": i.failures,
                })).collect::<Vec<_>>(),
            });
            if instances.is_empty() || open.len() == instances.len() {
                CheckResult::unhealthy(format!("no instance available; open: {}", open.join(", ")))
                    .details(details)
            } else if !open.is_empty() || !half_open.is_empty() {
                let mut parts = Vec::new();
                if !open.is_empty() {
                    parts.push(format!("open: {}", open.join(", ")));
                }
                if !half_open.is_empty() {
                    parts.push(format!("half-open: {}", half_open.join(", ")));
                }
                CheckResult::degraded(parts.join("; ")).details(details)
            } else {
                CheckResult::healthy().details(details)
            }
        })
    }

    /// CPU and memory use of this process against thresholds (fractions, e.g. 0.9, of the CPUs
    /// it may use and of its memory limit: the cgroup's, else the machine's): unhealthy above
    /// them, degraded above 90% of them. The check for readiness: what others run on the machine
    /// does not make this replica unready. Linux only (reads `/proc`); elsewhere healthy with a
    /// note.
    pub fn process_resources(self, max_cpu: f64, max_memory: f64) -> Self {
        self.check_async("process_resources", move || async move {
            let (Some(cpu), Some(memory)) = (process::cpu_usage().await, process::memory_usage())
            else {
                return CheckResult::healthy()
                    .details(json!({ "note": "not measured on this OS" }));
            };
            resource_verdict(cpu, memory, max_cpu, max_memory)
        })
    }

    /// CPU and memory use of the machine against thresholds (fractions, e.g. 0.9): unhealthy
    /// above them, degraded above 90% of them. Linux only (reads `/proc`); elsewhere healthy with
    /// a note. A view of the machine, for the `health_check` tool; for readiness prefer
    /// [`process_resources`](Self::process_resources).
    pub fn system_resources(self, max_cpu: f64, max_memory: f64) -> Self {
        self.check_async("system_resources", move || async move {
            let (Some(cpu), Some(memory)) = (machine::cpu_usage().await, machine::memory_usage())
            else {
                return CheckResult::healthy()
                    .details(json!({ "note": "not measured on this OS" }));
            };
            resource_verdict(cpu, memory, max_cpu, max_memory)
        })
    }

    /// Runs every check concurrently, each bounded by the timeout.
    pub async fn run(&self) -> HealthReport {
        let runs = self.checks.iter().map(|c| async move {
            let start = Instant::now();
            let result = match tokio::time::timeout(self.timeout, (c.run)()).await {
                Ok(r) => r,
                Err(_) => CheckResult::unhealthy(format!(
                    "timed out after {:.1} s",
                    self.timeout.as_secs_f64()
                )),
            };
            let mut v = serde_json::to_value(&result).expect("serialises");
            v["duration_ms"] = json!(start.elapsed().as_secs_f64() * 1000.0);
            (c.name.clone(), result.status, v)
        });
        let results = join_all(runs).await;
        let status = results
            .iter()
            .map(|(_, s, _)| *s)
            .max()
            .unwrap_or(Status::Healthy);
        HealthReport {
            status,
            uptime: self.started.elapsed().as_secs_f64(),
            timestamp: clock::rfc3339_now(),
            checks: results.into_iter().map(|(n, _, v)| (n, v)).collect(),
        }
    }

    /// Seconds since the checker was created (≈ since the server started).
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Unhealthy above a threshold, degraded above 90% of it.
fn resource_verdict(cpu: f64, memory: f64, max_cpu: f64, max_memory: f64) -> CheckResult {
    let details =
        json!({ "cpu": cpu, "memory": memory, "max_cpu": max_cpu, "max_memory": max_memory });
    let said = format!("cpu {:.0}%, memory {:.0}%", cpu * 100.0, memory * 100.0);
    if cpu > max_cpu || memory > max_memory {
        CheckResult::unhealthy(said).details(details)
    } else if cpu > 0.9 * max_cpu || memory > 0.9 * max_memory {
        CheckResult::degraded(said).details(details)
    } else {
        CheckResult::healthy().details(details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slow_checks_time_out_and_the_worst_status_wins() {
        let checker = HealthChecker::new()
            .timeout(Duration::from_millis(50))
            .check("fine", || Ok(()))
            .check("warn", || CheckResult::degraded("almost full"))
            .check_async("slow", || async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                Ok::<(), String>(())
            });
        let r = checker.run().await;
        assert_eq!(r.status, Status::Unhealthy);
        assert_eq!(r.checks["slow"]["status"], "unhealthy");
        assert!(r.checks["slow"]["error"]
            .as_str()
            .unwrap()
            .contains("timed out"));
        assert_eq!(r.checks["warn"]["status"], "degraded");
        assert_eq!(r.checks["fine"]["status"], "healthy");
    }

    #[tokio::test]
    async fn system_resources_are_measured() {
        let r = HealthChecker::new().system_resources(2.0, 2.0).run().await;
        let details = &r.checks["system_resources"]["details"];
        if let Some(cpu) = details["cpu"].as_f64() {
            assert!((0.0..=1.0).contains(&cpu));
            assert!((0.0..=1.0).contains(&details["memory"].as_f64().unwrap()));
            assert_eq!(r.status, Status::Healthy);
        }
        let r = HealthChecker::new()
            .system_resources(-1.0, -1.0)
            .run()
            .await;
        if details["cpu"].is_number() {
            assert_eq!(r.status, Status::Unhealthy);
        }
    }
}
