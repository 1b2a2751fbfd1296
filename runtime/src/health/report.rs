//! What checks report: each check's result, and the report of a run of them all.

use serde::Serialize;
use serde_json::Value;

/// The outcome of one check, and of all of them together (the worst one wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Working normally.
    Healthy,
    /// Working, with a warning (e.g. resources near their threshold).
    Degraded,
    /// Not working.
    Unhealthy,
}

/// What a check found.
///
/// In a report it reads `{"status": …, "result": <message, or "ok">}` when healthy and
/// `{"status": …, "error": <message>}` otherwise (the reference health-check pattern's fields),
/// plus `details` when the check gave some.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// How the check went.
    pub status: Status,
    /// A warning or an error; none when healthy.
    pub message: Option<String>,
    /// Anything else the check measured.
    pub details: Option<Value>,
}

impl Serialize for CheckResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("status", &self.status)?;
        match (self.status, &self.message) {
            (Status::Healthy, message) => {
                m.serialize_entry("result", message.as_deref().unwrap_or("ok"))?
            }
            (_, Some(message)) => m.serialize_entry("error", message)?,
            (status, None) => m.serialize_entry("error", &status)?,
        }
        if let Some(details) = &self.details {
            m.serialize_entry("details", details)?;
        }
        m.end()
    }
}

impl CheckResult {
    /// A healthy result.
    pub fn healthy() -> Self {
        Self::with(Status::Healthy, None)
    }
    /// Working, with a warning.
    pub fn degraded(message: impl Into<String>) -> Self {
        Self::with(Status::Degraded, Some(message.into()))
    }
    /// Not working, and why.
    pub fn unhealthy(message: impl Into<String>) -> Self {
        Self::with(Status::Unhealthy, Some(message.into()))
    }
    /// Adds what the check measured.
    pub fn details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
    fn with(status: Status, message: Option<String>) -> Self {
        CheckResult {
            status,
            message,
            details: None,
        }
    }
}

impl From<Result<(), String>> for CheckResult {
    fn from(r: Result<(), String>) -> Self {
        match r {
            Ok(()) => CheckResult::healthy(),
            Err(e) => CheckResult::unhealthy(e),
        }
    }
}

/// The report of a run of every check.
#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    /// The worst status among the checks.
    pub status: Status,
    /// Seconds since the checker was created (≈ since the server started).
    pub uptime: f64,
    /// RFC 3339, UTC.
    pub timestamp: String,
    /// Each check's result, by name.
    pub checks: serde_json::Map<String, Value>,
}
