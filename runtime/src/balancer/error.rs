//! The error of a balancer with no instance that can take the call.

use super::strategy::Strategy;
use crate::error::ToolError;
use crate::resilience::CircuitState;
use std::fmt;
use std::time::Duration;

/// One instance as seen when no instance was available.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InstanceStatus {
    /// The instance's name.
    pub name: String,
    /// Its breaker's state.
    pub state: CircuitState,
    /// For an open breaker, at most how long until it admits a trial call.
    pub retry_after: Option<Duration>,
    /// Its share of the picks under weighted strategies.
    pub weight: u32,
}

/// No instance could take the call: each one's breaker refused (or, weighted, its weight is 0).
/// Its message names every instance and its state; converts into [`ToolError::Unavailable`].
///
/// ```
/// use sturdy_runtime::balancer::{LoadBalancer, Strategy};
/// use sturdy_runtime::ToolError;
///
/// let lb = LoadBalancer::new(Strategy::Weighted, [("a", ()), ("b", ())]);
/// lb.set_weight("a", 0);
/// lb.set_weight("b", 0);
/// let err = lb.pick().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "no healthy instance (weighted): a closed, weight 0; b closed, weight 0"
/// );
/// assert_eq!(ToolError::from(err).kind(), "unavailable");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NoHealthyInstance {
    /// How the balancer picks.
    pub strategy: Strategy,
    /// Every instance and why it was not picked.
    pub instances: Vec<InstanceStatus>,
}

impl NoHealthyInstance {
    /// The earliest time an instance admits calls again, when some instance is open.
    pub fn retry_after(&self) -> Option<Duration> {
        self.instances.iter().filter_map(|i| i.retry_after).min()
    }
}

impl fmt::Display for NoHealthyInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.instances.is_empty() {
            return f.write_str("no healthy instance: the load balancer has no instances");
        }
        write!(f, "no healthy instance ({}): ", self.strategy)?;
        for (k, i) in self.instances.iter().enumerate() {
            if k > 0 {
                f.write_str("; ")?;
            }
            f.write_str(&i.name)?;
            match i.state {
                CircuitState::Open => f.write_str(" open")?,
                CircuitState::HalfOpen => f.write_str(" half-open, trial calls in progress")?,
                CircuitState::Closed => f.write_str(" closed")?,
            }
            if let Some(after) = i.retry_after {
                write!(f, ", retry after {:.1} s", after.as_secs_f64())?;
            }
            if self.strategy == Strategy::Weighted && i.weight == 0 {
                f.write_str(", weight 0")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for NoHealthyInstance {}

impl From<NoHealthyInstance> for ToolError {
    fn from(e: NoHealthyInstance) -> Self {
        ToolError::Unavailable {
            message: e.to_string(),
            retry_after: e.retry_after(),
        }
    }
}
