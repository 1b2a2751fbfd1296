//! Where the shared Redis is, how to reach it (TLS certificates) and how long to wait for it:
//! from the environment (`App`) or built by a program.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Where Redis is and how long to wait for it.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// `redis://host:port[/db]`, or `rediss://…` for TLS; for a cluster, one or more seed nodes
    /// separated by commas.
    pub url: String,
    /// A Redis Cluster: the URL names seed nodes, the rest is learnt from them.
    pub cluster: bool,
    /// Longest any call waits on Redis for one operation (default 50 ms); past it the call
    /// goes on as if Redis were not there.
    pub timeout: Duration,
    /// What a rate limit does while Redis is unavailable.
    pub rate_limit_fallback: RateLimitFallback,
    /// Certificates for a `rediss://` Redis signed by a private CA, or asking for the client's.
    pub tls: RedisTls,
}

/// The default bound of one Redis operation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(50);

impl RedisOptions {
    /// Redis at `url`, with the default timeout and fallbacks.
    pub fn new(url: impl Into<String>) -> Self {
        RedisOptions {
            url: url.into(),
            timeout: DEFAULT_TIMEOUT,
            cluster: false,
            rate_limit_fallback: RateLimitFallback::Local,
            tls: RedisTls::default(),
        }
    }

    /// From the environment: `STURDY_REDIS_URL` (none: `Ok(None)`), `STURDY_REDIS_TIMEOUT`
    /// (seconds, default 0.05), `STURDY_REDIS_RATE_LIMIT_FALLBACK` (`local`, the default, or
    /// `closed`), `STURDY_REDIS_CA_CERT` (a PEM file: the CA that signed a `rediss://` Redis's
    /// certificate, instead of the public roots), `STURDY_REDIS_CLIENT_CERT` and
    /// `STURDY_REDIS_CLIENT_KEY` (PEM files, both or neither: the client's certificate for a
    /// Redis that asks for one), `STURDY_REDIS_CLUSTER` (`1`/`true`: a Redis Cluster, whose seed
    /// nodes `STURDY_REDIS_URL` lists, separated by commas).
    pub fn from_env() -> Result<Option<Self>, String> {
        let url = match std::env::var("STURDY_REDIS_URL") {
            Ok(url) if !url.trim().is_empty() => url.trim().to_owned(),
            _ => return Ok(None),
        };
        let mut options = RedisOptions::new(url);
        if let Ok(text) = std::env::var("STURDY_REDIS_TIMEOUT") {
            options.timeout = text
                .parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0 && *s <= 60.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    format!("STURDY_REDIS_TIMEOUT={text}: not a number of seconds in (0, 60]")
                })?;
        }
        if let Ok(text) = std::env::var("STURDY_REDIS_RATE_LIMIT_FALLBACK") {
            options.rate_limit_fallback = text
                .parse()
                .map_err(|e| format!("STURDY_REDIS_RATE_LIMIT_FALLBACK={text}: {e}"))?;
        }
        if let Ok(text) = std::env::var("STURDY_REDIS_CLUSTER") {
            options.cluster = match text.trim() {
                "1" | "true" | "yes" => true,
                "" | "0" | "false" | "no" => false,
                other => {
                    return Err(format!(
                        "STURDY_REDIS_CLUSTER={other}: expected `true` or `false`"
                    ))
                }
            };
        }
        if !options.cluster && options.url.contains(',') {
            return Err(format!(
                "STURDY_REDIS_URL lists several nodes ({}): set STURDY_REDIS_CLUSTER=true for a \
                 Redis Cluster",
                redacted(&options.url)
            ));
        }
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        options.tls.ca_cert = path("STURDY_REDIS_CA_CERT");
        options.tls.client = match (
            path("STURDY_REDIS_CLIENT_CERT"),
            path("STURDY_REDIS_CLIENT_KEY"),
        ) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => {
                return Err(
                    "STURDY_REDIS_CLIENT_CERT and STURDY_REDIS_CLIENT_KEY go together: \
                            set both or neither"
                        .into(),
                )
            }
        };
        if options.tls.is_set() && !options.url.trim_start().starts_with("rediss://") {
            return Err(format!(
                "STURDY_REDIS_CA_CERT / STURDY_REDIS_CLIENT_CERT need a rediss:// URL, not {}",
                redacted(&options.url)
            ));
        }
        Ok(Some(options))
    }
}

/// Certificate files for TLS to Redis (PEM). Unset, a `rediss://` URL trusts the public roots
/// (webpki) and sends no client certificate.
#[derive(Debug, Clone, Default)]
pub struct RedisTls {
    /// The CA that signed the server's certificate (trusted instead of the public roots).
    pub ca_cert: Option<PathBuf>,
    /// The client's certificate and key, for a Redis that asks for them (`tls-auth-clients`).
    pub client: Option<(PathBuf, PathBuf)>,
}

impl RedisTls {
    /// Whether any file is given.
    pub fn is_set(&self) -> bool {
        self.ca_cert.is_some() || self.client.is_some()
    }

    /// The files' contents, read now (a file that cannot be read stops start-up, naming it).
    pub(crate) fn certificates(&self) -> Result<Option<redis::TlsCertificates>, String> {
        if !self.is_set() {
            return Ok(None);
        }
        let read = |path: &PathBuf| {
            std::fs::read(path).map_err(|e| format!("redis TLS file {}: {e}", path.display()))
        };
        let root_cert = self.ca_cert.as_ref().map(read).transpose()?;
        let client_tls = match &self.client {
            Some((cert, key)) => Some(redis::ClientTlsConfig {
                client_cert: read(cert)?,
                client_key: read(key)?,
            }),
            None => None,
        };
        Ok(Some(redis::TlsCertificates {
            client_tls,
            root_cert,
        }))
    }
}

/// What a rate limit does while the shared store is unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RateLimitFallback {
    /// Each replica applies the limit alone (the in-process limiter): the service stays up and
    /// each replica stays within N per window, the replicas together within N × replicas. The
    /// default ("fail open" to the per-replica limit).
    #[default]
    Local,
    /// Refuse every call (`rate_limited`, retry after one second) until the store answers.
    Closed,
}

impl FromStr for RateLimitFallback {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "local" | "open" => Ok(RateLimitFallback::Local),
            "closed" => Ok(RateLimitFallback::Closed),
            other => Err(format!("{other:?}: expected `local` or `closed`")),
        }
    }
}

/// `url` without its password, for logs.
pub(crate) fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}
