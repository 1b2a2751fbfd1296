//! What the demo shows: counters fed by the calls' results (as the MCP client saw them) and by the
//! live policies, rendered as one screen of tables.

use crate::upstream::Upstream;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use sturdy::remote::Upstreams;
use sturdy::resilience::{policies_for, CircuitState};

/// The tools the demo calls, in the order shown.
pub const TOOLS: [&str; 6] = [
    "load_balanced_request",
    "resilient_api_call",
    "cached_expensive_operation",
    "rate_limited_operation",
    "async_batch_requests",
    "async_parallel_processing",
];

#[derive(Default)]
struct ToolRow {
    calls: u64,
    ok: u64,
    /// Errors by kind (`upstream`, `circuit_open`, ...).
    errors: BTreeMap<String, u64>,
    /// Attempts beyond the first (from `load_balanced_request`'s answers).
    retried: u64,
    cache_hits: u64,
    /// The last batch's outcome.
    last: Option<String>,
}

/// One tool's counts, for the closing summary.
#[derive(Default)]
pub struct Totals {
    pub calls: u64,
    pub cache_hits: u64,
    pub retried: u64,
    pub errors: BTreeMap<String, u64>,
}

impl Totals {
    pub fn errors(&self, kind: &str) -> u64 {
        self.errors.get(kind).copied().unwrap_or(0)
    }

    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }
}

struct Event {
    at: Duration,
    what: String,
    from: CircuitState,
    to: CircuitState,
}

pub struct Board {
    start: Instant,
    colour: bool,
    phase: Mutex<(usize, usize, &'static str)>,
    tools: Mutex<HashMap<&'static str, ToolRow>>,
    events: Mutex<VecDeque<Event>>,
    states: Mutex<HashMap<String, CircuitState>>,
    /// Picks per instance over time, for the "last second" share.
    history: Mutex<VecDeque<(Instant, Vec<u64>)>>,
    /// Where the same server's live status page is.
    status_page: String,
}

const EVENTS_SHOWN: usize = 10;

impl Board {
    pub fn new(colour: bool, status_page: String) -> Board {
        Board {
            start: Instant::now(),
            colour,
            status_page,
            phase: Mutex::new((0, 0, "")),
            tools: Mutex::default(),
            events: Mutex::default(),
            states: Mutex::default(),
            history: Mutex::default(),
        }
    }

    pub fn set_phase(&self, number: usize, of: usize, title: &'static str) {
        *self.phase.lock().unwrap() = (number, of, title);
    }

    /// Counts one `tools/call` result.
    pub fn record(&self, tool: &'static str, result: &Value) {
        let mut tools = self.tools.lock().unwrap();
        let row = tools.entry(tool).or_default();
        row.calls += 1;
        if result["isError"] == true {
            let kind = result["_meta"]["dev.sturdy/error"]["error"]
                .as_str()
                .unwrap_or("failed");
            *row.errors.entry(kind.to_owned()).or_default() += 1;
            return;
        }
        row.ok += 1;
        let structured = &result["structuredContent"];
        if let Some(attempts) = structured["attempts"].as_u64() {
            row.retried += attempts.saturating_sub(1);
        }
        if result["_meta"]["dev.sturdy/cache"] == "hit" {
            row.cache_hits += 1;
        }
        // async_batch_requests: the URLs that answered and those that did not.
        if let (Some(total), Some(ok), Some(failed)) = (
            structured["total"].as_u64(),
            structured["successful"].as_array(),
            structured["failed"].as_array(),
        ) {
            row.last = Some(format!(
                "last: {total} items, {} ok, {} failed",
                ok.len(),
                failed.len()
            ));
        }
        // async_parallel_processing: every item processed.
        if let (Some(count), Some(results)) = (
            structured["count"].as_u64(),
            structured["results"].as_array(),
        ) {
            let processed = results.iter().filter(|r| r["processed"] == true).count();
            row.last = Some(format!("last: {count} items, {processed} processed"));
        }
    }

    /// Adds how long the last batch took to its line.
    pub fn note_duration(&self, tool: &'static str, took: Duration) {
        if let Some(last) = &mut self.tools.lock().unwrap().entry(tool).or_default().last {
            let _ = write!(last, " in {:.2} s", took.as_secs_f64());
        }
    }

    /// Compares every breaker with what it was at the last look, recording changes.
    pub fn watch(&self, upstreams: &Upstreams) {
        let mut now: Vec<(String, CircuitState)> = upstreams
            .stats()
            .into_iter()
            .map(|s| (s.name, s.state))
            .collect();
        if let Some(b) = policies_for("::resilient_api_call")
            .as_ref()
            .and_then(|p| p.circuit_breaker().map(|b| b.state()))
        {
            now.push(("resilient_api_call".into(), b));
        }
        let mut states = self.states.lock().unwrap();
        let mut events = self.events.lock().unwrap();
        for (name, state) in now {
            let before = states
                .insert(name.clone(), state)
                .unwrap_or(CircuitState::Closed);
            // A breaker closes only from half-open: if it went through half-open between two
            // looks, both steps happened.
            let steps: &[(CircuitState, CircuitState)] = match (before, state) {
                (CircuitState::Open, CircuitState::Closed) => &[
                    (CircuitState::Open, CircuitState::HalfOpen),
                    (CircuitState::HalfOpen, CircuitState::Closed),
                ],
                _ if before != state => &[(before, state)],
                _ => &[],
            };
            for &(from, to) in steps {
                events.push_back(Event {
                    at: self.start.elapsed(),
                    what: name.clone(),
                    from,
                    to,
                });
                // A demo's worth is a few dozen; the bound only guards a runaway.
                if events.len() > 10_000 {
                    events.pop_front();
                }
            }
        }
        let picks: Vec<u64> = upstreams.stats().iter().map(|s| s.picks).collect();
        let mut history = self.history.lock().unwrap();
        history.push_back((Instant::now(), picks));
        while history
            .front()
            .is_some_and(|(t, _)| t.elapsed() > Duration::from_secs(1))
        {
            history.pop_front();
        }
    }

    /// The state's name, coloured on a terminal, padded to `width` columns.
    fn paint(&self, state: CircuitState, width: usize) -> String {
        let (text, code) = match state {
            CircuitState::Closed => ("closed", "32"),
            CircuitState::Open => ("OPEN", "31"),
            CircuitState::HalfOpen => ("half-open", "33"),
        };
        let pad = " ".repeat(width.saturating_sub(text.len()));
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m{pad}")
        } else {
            format!("{text}{pad}")
        }
    }

    /// One screen: phase, upstreams, tools, breaker events.
    pub fn render(&self, upstreams: &Upstreams, servers: &[Upstream], api: &Upstream) -> String {
        let mut out = String::new();
        let (n, of, title) = *self.phase.lock().unwrap();
        let bold = |s: &str| {
            if self.colour {
                format!("\x1b[1m{s}\x1b[0m")
            } else {
                s.to_owned()
            }
        };
        let _ = writeln!(
            out,
            "{}   t = {:.1} s",
            bold("sturdy demo: tools called over MCP (stdio framing, in-memory pipe)"),
            self.start.elapsed().as_secs_f64()
        );
        let _ = writeln!(out, "live status page: {}", self.status_page);
        let _ = writeln!(out, "phase {n}/{of}: {title}\n");

        // Upstreams behind load_balanced_request, and the API behind resilient_api_call.
        let _ = writeln!(
            out,
            "{}",
            bold("UPSTREAM  BEHAVIOUR  BREAKER     PICKS     OK  FAILED  SHARE (LAST SECOND)")
        );
        let stats = upstreams.stats();
        let history = self.history.lock().unwrap();
        let recent: Vec<u64> = match (history.front(), history.back()) {
            (Some((_, first)), Some((_, last))) => {
                last.iter().zip(first).map(|(l, f)| l - f).collect()
            }
            _ => vec![0; stats.len()],
        };
        drop(history);
        let recent_total: u64 = recent.iter().sum::<u64>().max(1);
        for ((s, server), recent) in stats.iter().zip(servers).zip(&recent) {
            let share = *recent as f64 / recent_total as f64;
            let _ = writeln!(
                out,
                "{:<9} {:<10} {} {:>6} {:>6} {:>7}  {:<20} {:>3.0}%",
                s.name,
                server.behaviour().label(),
                self.paint(s.state, 10),
                s.picks,
                s.successes,
                s.failures,
                "█".repeat((share * 20.0).round() as usize),
                share * 100.0
            );
        }
        let api_policies = policies_for("::resilient_api_call");
        let api_state = api_policies
            .as_ref()
            .and_then(|p| p.circuit_breaker().map(|b| b.state()))
            .unwrap_or(CircuitState::Closed);
        let _ = writeln!(
            out,
            "{:<9} {:<10} {} {:>6}  requests received (behind resilient_api_call)\n",
            "api",
            // Its `/flaky/` route fails every third request even when healthy.
            match api.behaviour() {
                crate::upstream::Behaviour::Healthy => "1/3 fail",
                other => other.label(),
            },
            self.paint(api_state, 10),
            api.requests()
        );

        let _ = writeln!(
            out,
            "{}",
            bold("TOOL                        CALLS      OK  ERRORS  WHAT HAPPENED")
        );
        let tools = self.tools.lock().unwrap();
        for tool in TOOLS {
            let empty = ToolRow::default();
            let row = tools.get(tool).unwrap_or(&empty);
            let errors: u64 = row.errors.values().sum();
            let detail = self.detail(tool, row, api_policies.as_deref());
            let _ = writeln!(
                out,
                "{tool:<26} {:>6} {:>7} {errors:>7}  {detail}",
                row.calls, row.ok
            );
        }
        drop(tools);

        let _ = writeln!(out, "\n{}", bold("BREAKER CHANGES"));
        let events = self.events.lock().unwrap();
        if events.is_empty() {
            let _ = writeln!(out, "  (none yet)");
        }
        for e in events
            .iter()
            .skip(events.len().saturating_sub(EVENTS_SHOWN))
        {
            let _ = writeln!(
                out,
                "  {:>5.1} s  {:<20} {} → {}",
                e.at.as_secs_f64(),
                e.what,
                self.paint(e.from, 0),
                self.paint(e.to, 0)
            );
        }
        out
    }

    fn detail(
        &self,
        tool: &str,
        row: &ToolRow,
        api: Option<&dyn sturdy::resilience::PolicyView>,
    ) -> String {
        let errors = row
            .errors
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut parts = Vec::new();
        match tool {
            "load_balanced_request" => {
                parts.push(format!("{} retried on another instance", row.retried))
            }
            "resilient_api_call" => {
                let retries =
                    api.map_or(0, |p| p.stats()["retry"]["retries"].as_u64().unwrap_or(0));
                parts.push(format!("{retries} retries"));
            }
            "cached_expensive_operation" if row.ok > 0 => parts.push(format!(
                "{} cache hits ({:.0}%)",
                row.cache_hits,
                100.0 * row.cache_hits as f64 / row.ok as f64
            )),
            "rate_limited_operation" => parts.push("limit 10 per minute per client_id".into()),
            _ => {}
        }
        if let Some(last) = &row.last {
            parts.push(last.clone());
        }
        if !errors.is_empty() {
            parts.push(errors);
        }
        parts.join("; ")
    }

    /// Totals for the closing summary.
    pub fn totals(&self, tool: &str) -> Totals {
        let tools = self.tools.lock().unwrap();
        tools
            .get(tool)
            .map(|r| Totals {
                calls: r.calls,
                cache_hits: r.cache_hits,
                retried: r.retried,
                errors: r.errors.clone(),
            })
            .unwrap_or_default()
    }

    /// How many times a breaker went into `state`.
    pub fn changes_to(&self, what: &str, state: CircuitState) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.what == what && e.to == state)
            .count()
    }
}
