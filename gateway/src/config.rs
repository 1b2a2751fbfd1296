//! The gateway's configuration (TOML): the upstream servers, how to reach each, which of their
//! tools to serve under which names, and the policies around each call. Everything is checked
//! when the file loads; a mistake names its line.

use crate::duration;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// What `initialize` reports as the server's name.
    pub name: String,
    /// Between an upstream's name and its tool's: `<upstream><separator><tool>`.
    #[serde(default = "default_separator")]
    pub separator: String,
    /// The servers fronted, by name (served in the order of their names).
    pub upstreams: BTreeMap<String, toml::Spanned<Upstream>>,
}

fn yes() -> bool {
    true
}

fn default_separator() -> String {
    "__".into()
}

/// One upstream server.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// A command to start, spoken to over stdio.
    pub command: Option<Vec<String>>,
    /// Or its Streamable HTTP URL (several: replicas, balanced).
    pub url: Option<Urls>,
    /// The command's environment, besides the gateway's own.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Headers sent with every HTTP request.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Which tools to serve (glob patterns; all by default).
    #[serde(default)]
    pub tools: Filter,
    /// Which prompts to serve, by name (all by default).
    #[serde(default)]
    pub prompts: Filter,
    /// Which resources and templates to serve, by URI or template (all by default).
    #[serde(default)]
    pub resources: Filter,
    /// Put before its resources' URIs and templates: for two upstreams that serve the same URIs
    /// (without one, a URI two upstreams serve is served by the first).
    pub resource_prefix: Option<String>,
    /// The least severe of its log messages it is asked to send (`logging/setLevel`), which
    /// reach callers that asked for that level: `"info"` by default.
    pub log_level: Option<String>,
    /// While none of its replicas is up: its entries stay listed and fail fast (`keep`), or
    /// leave the lists (`hide`).
    #[serde(default)]
    pub on_down: OnDown,
    /// Serve the tools under `<upstream><separator><tool>` (the default), or under their own
    /// names (`false`: a gateway in front of one server, or upstreams whose names do not clash).
    #[serde(default = "yes")]
    pub namespace: bool,
    /// Each tool call's limit (30 s by default).
    #[serde(default, deserialize_with = "duration::optional")]
    pub timeout: Option<Duration>,
    /// Starting and initializing the upstream (30 s by default).
    #[serde(default, deserialize_with = "duration::optional")]
    pub start_timeout: Option<Duration>,
    /// Retries of calls that may be repeated.
    pub retry: Option<RetryPolicy>,
    /// Retry every tool, not only those marked read-only or idempotent.
    #[serde(default)]
    pub retry_all: bool,
    /// One breaker per upstream tool.
    pub circuit_breaker: Option<BreakerPolicy>,
    /// A limit per tool.
    pub rate_limited: Option<RatePolicy>,
    /// Results kept per tool.
    pub cached: Option<CachePolicy>,
    /// Per tool, what differs from the upstream's settings.
    #[serde(default)]
    pub tool: BTreeMap<String, toml::Spanned<ToolSettings>>,
}

/// What becomes of an upstream's entries while it is down.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDown {
    #[default]
    Keep,
    Hide,
}

/// One URL, or a list of replicas.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Urls {
    One(String),
    Replicas(Vec<String>),
}

impl Urls {
    pub fn list(&self) -> Vec<&str> {
        match self {
            Urls::One(url) => vec![url.as_str()],
            Urls::Replicas(urls) => urls.iter().map(String::as_str).collect(),
        }
    }
}

/// Tools served, by their upstream names.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
}

impl Filter {
    /// Whether `name` is served: allowed (everything, when no pattern allows) and not denied.
    pub fn serves(&self, name: &str) -> bool {
        let allowed = self.allow.is_empty() || self.allow.iter().any(|p| glob(p, name));
        allowed && !self.deny.iter().any(|p| glob(p, name))
    }
}

/// `*` matches any run of characters, `?` one; the rest matches itself.
fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // The classic two-pointer match with backtracking to the last `*`: linear in practice.
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// What one tool changes of its upstream's settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolSettings {
    /// Served under `<upstream><separator><rename>`.
    pub rename: Option<String>,
    /// What a caller's token must grant (with authentication on).
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default, deserialize_with = "duration::optional")]
    pub timeout: Option<Duration>,
    pub retry: Option<RetryPolicy>,
    pub circuit_breaker: Option<BreakerPolicy>,
    pub rate_limited: Option<RatePolicy>,
    pub cached: Option<CachePolicy>,
}

/// `retry = { max = 2, base = "100ms" }`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    pub max: u32,
    #[serde(default, deserialize_with = "duration::optional")]
    pub base: Option<Duration>,
}

/// `circuit_breaker = { threshold = 3, recovery = "30s" }`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerPolicy {
    pub threshold: u32,
    #[serde(deserialize_with = "duration::field")]
    pub recovery: Duration,
}

/// `rate_limited = { calls = 100, per = "60s", key = "client" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatePolicy {
    pub calls: u32,
    #[serde(default = "one_minute", deserialize_with = "duration::field")]
    pub per: Duration,
    #[serde(default = "client", deserialize_with = "rate_key")]
    pub key: RateKey,
}

/// Whose calls a limit counts together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateKey {
    /// The caller (its principal, else its session, else its address).
    Client,
    /// Everyone.
    Global,
    /// Each value of this argument.
    Argument(String),
}

fn one_minute() -> Duration {
    Duration::from_secs(60)
}

fn client() -> RateKey {
    RateKey::Client
}

fn rate_key<'de, D: serde::Deserializer<'de>>(d: D) -> Result<RateKey, D::Error> {
    let key = String::deserialize(d)?;
    match key.as_str() {
        "client" => Ok(RateKey::Client),
        "global" => Ok(RateKey::Global),
        _ => match key.strip_prefix("arg:") {
            Some(name) if !name.is_empty() => Ok(RateKey::Argument(name.to_owned())),
            _ => Err(serde::de::Error::custom(format!(
                "key {key:?}: \"client\", \"global\" or \"arg:NAME\""
            ))),
        },
    }
}

/// `cached = { ttl = "60s", capacity = 1000 }`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CachePolicy {
    #[serde(deserialize_with = "duration::field")]
    pub ttl: Duration,
    #[serde(default = "default_capacity")]
    pub capacity: u64,
}

fn default_capacity() -> u64 {
    10_000
}

/// A configuration that cannot be used: what is wrong, and where.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    /// Reads the configuration in `text` (from `path`, for the messages), `${VAR}` taken from
    /// `env`, and checks it.
    pub fn parse(
        path: &str,
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let text = substitute(path, text, env)?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| line_of(&text, s.start));
            let message = e.message().trim().to_owned();
            ConfigError(match line {
                Some(line) => format!("{path}:{line}: {message}"),
                None => format!("{path}: {message}"),
            })
        })?;
        config.check(path, &text)?;
        Ok(config)
    }

    /// What serde cannot say: one way to reach each upstream, names that fit.
    fn check(&self, path: &str, text: &str) -> Result<(), ConfigError> {
        let at = |offset: usize, why: String| {
            ConfigError(format!("{path}:{}: {why}", line_of(text, offset)))
        };
        if self.separator.is_empty() {
            return Err(ConfigError(format!("{path}: separator must not be empty")));
        }
        if self.upstreams.is_empty() {
            return Err(ConfigError(format!("{path}: no [upstreams.NAME] table")));
        }
        for (name, upstream) in &self.upstreams {
            let start = upstream.span().start;
            let upstream = upstream.get_ref();
            if name.contains(&self.separator) {
                return Err(at(
                    start,
                    format!(
                        "upstream {name:?} contains the separator {:?}",
                        self.separator
                    ),
                ));
            }
            match (&upstream.command, &upstream.url) {
                (Some(command), None) if command.is_empty() || command[0].is_empty() => {
                    return Err(at(start, format!("upstream {name}: command is empty")))
                }
                (Some(_), None) => {}
                (None, Some(urls)) => {
                    let urls = urls.list();
                    if urls.is_empty() {
                        return Err(at(start, format!("upstream {name}: url lists no URL")));
                    }
                    if let Some(bad) = urls
                        .iter()
                        .find(|u| !(u.starts_with("http://") || u.starts_with("https://")))
                    {
                        return Err(at(
                            start,
                            format!("upstream {name}: {bad:?} is not an http(s) URL"),
                        ));
                    }
                }
                (Some(_), Some(_)) => {
                    return Err(at(
                        start,
                        format!("upstream {name}: command or url, not both"),
                    ))
                }
                (None, None) => {
                    return Err(at(
                        start,
                        format!("upstream {name}: needs a command (stdio) or a url (HTTP)"),
                    ))
                }
            }
            if let Some(level) = &upstream.log_level {
                if sturdy_runtime::LogLevel::parse(level).is_none() {
                    return Err(at(
                        start,
                        format!(
                            "upstream {name}: log_level {level:?} is not one of debug, info, \
                             notice, warning, error, critical, alert, emergency"
                        ),
                    ));
                }
            }
            if let Some(prefix) = &upstream.resource_prefix {
                if prefix.is_empty() || prefix.contains(['{', '}']) {
                    return Err(at(
                        start,
                        format!(
                            "upstream {name}: resource_prefix {prefix:?} is empty or holds a brace"
                        ),
                    ));
                }
            }
            for (tool, settings) in &upstream.tool {
                if let Some(rename) = &settings.get_ref().rename {
                    if rename.is_empty() || rename.contains(&self.separator) {
                        return Err(at(
                            settings.span().start,
                            format!(
                                "tool {tool}: rename {rename:?} is empty or holds the separator"
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// `text` with each `${VAR}` replaced by the variable's value; a variable that is not set is
/// an error naming its line.
fn substitute(
    path: &str,
    text: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            let line = line_of(text, text.len() - rest.len() + start);
            return Err(ConfigError(format!(
                "{path}:{line}: `${{` without its `}}`"
            )));
        };
        let name = &after[..end];
        match env(name) {
            Some(value) => out.push_str(&value),
            None => {
                let line = line_of(text, text.len() - rest.len() + start);
                return Err(ConfigError(format!(
                    "{path}:{line}: ${{{name}}} is not set in the environment"
                )));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse("g.toml", text, |v| {
            (v == "TOKEN").then(|| "s3cret".to_owned())
        })
    }

    #[test]
    fn a_full_configuration_reads() {
        let config = parse(
            r#"
name = "team-gateway"
[upstreams.everything]
command = ["npx", "-y", "@modelcontextprotocol/server-everything"]
env = { LOG_LEVEL = "warn" }
tools = { allow = ["echo", "get-*"], deny = ["get-env"] }
timeout = "30s"
retry = { max = 2 }
circuit_breaker = { threshold = 3, recovery = "30s" }
rate_limited = { calls = 100, per = "60s", key = "client" }

[upstreams.everything.tool.echo]
cached = { ttl = "60s" }
rename = "say"
scopes = ["echo:use"]

[upstreams.remote]
url = ["http://127.0.0.1:1/mcp", "http://127.0.0.1:2/mcp"]
headers = { Authorization = "Bearer ${TOKEN}" }
"#,
        )
        .unwrap();
        assert_eq!(config.separator, "__");
        let everything = config.upstreams["everything"].get_ref();
        assert!(everything.tools.serves("echo") && everything.tools.serves("get-sum"));
        assert!(!everything.tools.serves("get-env") && !everything.tools.serves("add"));
        assert_eq!(everything.timeout, Some(Duration::from_secs(30)));
        let echo = everything.tool["echo"].get_ref();
        assert_eq!(echo.rename.as_deref(), Some("say"));
        let remote = config.upstreams["remote"].get_ref();
        assert_eq!(remote.headers["Authorization"], "Bearer s3cret");
        assert_eq!(remote.url.as_ref().unwrap().list().len(), 2);
    }

    #[test]
    fn mistakes_name_their_line() {
        let cases = [
            ("name = \"g\"\n[upstreams.a]\ncomand = [\"x\"]\n", "g.toml:3", "comand"),
            ("name = \"g\"\n[upstreams.a]\ncommand = [\"x\"]\ntimeout = \"3 days\"\n", "g.toml:4", "unknown unit"),
            ("name = \"g\"\n[upstreams.a]\nurl = \"h\"\nheaders = { A = \"${NOPE}\" }\n", "g.toml:4", "NOPE"),
            ("name = \"g\"\n\n[upstreams.a]\nenv = {}\n", "g.toml:3", "needs a command"),
            ("name = \"g\"\n[upstreams.a]\ncommand = [\"x\"]\nrate_limited = { calls = 1, key = \"who\" }\n", "g.toml:4", "arg:NAME"),
            ("name = \"g\"\n[upstreams.a]\ncommand = [\"x\"]\n[upstreams.a.tool.t]\nrename = \"a__b\"\n", "g.toml:4", "separator"),
        ];
        for (text, at, says) in cases {
            let err = parse(text).unwrap_err().0;
            assert!(err.starts_with(at) && err.contains(says), "{text:?}: {err}");
        }
    }

    #[test]
    fn globs_match_as_shells_do() {
        assert!(glob("get-*", "get-sum") && glob("*", "") && glob("a?c", "abc"));
        assert!(glob("*sum*", "get-sum-now") && !glob("get-*", "echo"));
        assert!(!glob("a?c", "ac") && glob("**a", "a"));
    }
}
