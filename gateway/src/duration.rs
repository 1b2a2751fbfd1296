//! Durations as a configuration writes them: `"500ms"`, `"30s"`, `"10m"`, `"2h"` (a number, then
//! its unit), or a plain number of seconds.

use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// Reads `text` as a duration; an error says what is accepted.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| {
        format!("{text:?} is not a duration: write it as \"30s\", \"500ms\", \"10m\" or \"2h\"")
    })?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "s" | "" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("{text:?}: unknown unit {other:?} (ms, s, m or h)")),
    };
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 365.0 * 86400.0 {
        return Err(format!("{text:?} must be more than 0 and at most a year"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A duration field: text with a unit, or a number of seconds.
pub fn field<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Text(String),
        Seconds(f64),
    }
    let text = match Written::deserialize(d)? {
        Written::Text(text) => text,
        Written::Seconds(s) => s.to_string(),
    };
    parse(&text).map_err(serde::de::Error::custom)
}

/// An optional duration field.
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    field(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_refusals() {
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("2").unwrap(), Duration::from_secs(2));
        for bad in ["", "s", "10 days", "-1s", "0s", "1e9h", "ten"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
