//! Health checks: named sync or async checks, each bounded by a timeout, rolled up into one
//! status with uptime and a timestamp. Served as the `health_check` / `simple_health` tools
//! (opt-in, [`App::health`](crate::App::health)) and as HTTP `GET /ready`.

mod checker;
mod machine;
mod process;
mod report;
mod tools;

pub use checker::HealthChecker;
pub use report::{CheckResult, HealthReport, Status};
pub use tools::install as builtin_tools;
