//! JSON calls to a set of equivalent HTTP upstreams: a [`LoadBalancer`] of base URLs with one
//! breaker per instance, retries that pick again (so traffic moves off a failing instance), and
//! one time limit per attempt.

mod builder;
mod error;
mod response;

pub use builder::UpstreamsBuilder;
pub use error::UpstreamsError;
pub use response::UpstreamResponse;

use super::client::{fail, HttpClient};
use super::error::{RemoteError, RemoteErrorKind};
use crate::balancer::{InstanceStats, LoadBalancer};
use crate::resilience::{Retry, Wait};
use reqwest::{Method, Url};
use std::fmt;

/// A set of equivalent HTTP upstreams (replicas of one API) called with JSON.
///
/// Each call goes through these steps, each attempt on the instance the balancer picks:
/// - the [`Strategy`](crate::balancer::Strategy) picks an instance whose circuit breaker admits calls (an open one is
///   skipped; none left → [`RemoteErrorKind::Unavailable`], nothing is sent);
/// - the request goes to the instance's base URL joined with the path, bounded by the client's
///   timeout;
/// - the outcome is reported to that instance's breaker: a failure when
///   [`counts_against_instance`](UpstreamsBuilder::counts_against_instance) says so (by default
///   [`RemoteError::is_transient`]: 5xx, 408, 429, connection failures, timeouts), otherwise a
///   success, since an instance that answers 404 is alive;
/// - a failure for which [`retry_when`](UpstreamsBuilder::retry_when) holds is retried after the
///   [`Retry`] backoff, picking again; a retry that finds no instance available ends the call with
///   the last attempt's error.
///
/// ```no_run
/// use sturdy_runtime::balancer::Strategy;
/// use sturdy_runtime::remote::Upstreams;
/// use sturdy_runtime::ToolError;
///
/// # async fn run() -> Result<(), ToolError> {
/// let users = Upstreams::builder(Strategy::RoundRobin)
///     .instance("east", "http://10.0.0.1:8080/api")
///     .instance("west", "http://10.0.0.2:8080/api")
///     .build()
///     .expect("valid upstream URLs");
/// let answer = users.get_json("/users/7").await?;
/// println!("{} answered {}", answer.instance, answer.body);
/// # Ok(()) }
/// ```
pub struct Upstreams {
    balancer: LoadBalancer<Url>,
    client: HttpClient,
    retry: Retry,
    retry_when: fn(&RemoteError) -> bool,
    counts_against: fn(&RemoteError) -> bool,
}

impl fmt::Debug for Upstreams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstreams")
            .field("balancer", &self.balancer)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Upstreams {
    /// The balancer, for its [`stats`](LoadBalancer::stats), breakers and weights.
    pub fn balancer(&self) -> &LoadBalancer<Url> {
        &self.balancer
    }

    /// Per instance: picks, calls in progress, outcomes, breaker state, weight.
    pub fn stats(&self) -> Vec<InstanceStats> {
        self.balancer.stats()
    }

    /// The HTTP client requests go through.
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// GETs `path` (which starts with `/`, and may carry a query) from an instance.
    pub async fn get_json(&self, path: &str) -> Result<UpstreamResponse, RemoteError> {
        self.request_json(Method::GET, path, None).await
    }

    /// Sends `method path` with an optional JSON body to an instance, retrying and moving to
    /// another instance as described on [`Upstreams`]. Retrying resends the request, so use it
    /// with idempotent requests or set [`Retry::max`] to 0.
    pub async fn request_json(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<UpstreamResponse, RemoteError> {
        if let Err(why) = check_path(path) {
            return Err(RemoteError {
                attempts: 0,
                ..fail(&method, path, RemoteErrorKind::InvalidUrl(why))
            });
        }
        // The failure before a pick that found no instance: what the call ends with then.
        let mut last: Option<RemoteError> = None;
        let result = self
            .retry
            .drive(
                |n| self.attempt(&method, path, body, n + 1),
                |e, delay| {
                    // A failure before any request (no instance, a bad URL) is never retried.
                    if e.attempts == 0 || !(self.retry_when)(e) {
                        return false;
                    }
                    tracing::debug!(target: "sturdy::remote", instance = e.instance.as_deref(),
                        delay_ms = delay.as_secs_f64() * 1000.0, "retrying on the next pick: {e}");
                    last = Some(e.clone());
                    true
                },
                Wait::Timer,
            )
            .await;
        match (result, last) {
            (Err(e), Some(last)) if matches!(e.kind, RemoteErrorKind::Unavailable(_)) => Err(last),
            (result, _) => result,
        }
    }

    /// Attempt number `attempts` (from 1): picks an instance and sends the request to it.
    async fn attempt(
        &self,
        method: &Method,
        path: &str,
        body: Option<&serde_json::Value>,
        attempts: u32,
    ) -> Result<UpstreamResponse, RemoteError> {
        let pick = self.balancer.pick().map_err(|none| RemoteError {
            kind: RemoteErrorKind::Unavailable(none),
            method: method.to_string(),
            url: String::new(),
            instance: None,
            attempts: 0,
        })?;
        let url = match join(pick.value(), path) {
            Ok(url) => url,
            Err(why) => {
                // Not the instance's fault: release the pick as neither.
                drop(pick);
                return Err(RemoteError {
                    attempts: 0,
                    ..fail(method, path, RemoteErrorKind::InvalidUrl(why))
                });
            }
        };
        let instance = pick.name();
        let requested = String::from(url.clone());
        match self.client.send_parsed(method.clone(), url, body).await {
            Ok(body) => {
                pick.success();
                Ok(UpstreamResponse {
                    instance: instance.to_owned(),
                    url: requested,
                    attempts,
                    body,
                })
            }
            Err(mut e) => {
                e.instance = Some(instance.to_owned());
                e.attempts = attempts;
                if (self.counts_against)(&e) {
                    pick.failure();
                } else {
                    pick.success();
                }
                Err(e)
            }
        }
    }
}

/// A path acceptable after a base URL: starts with `/`, no whitespace or control characters.
fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("the path must start with `/`".into());
    }
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the path contains whitespace or control characters".into());
    }
    Ok(())
}

/// `base` followed by `path`, refused if the result would leave the base's origin.
fn join(base: &Url, path: &str) -> Result<Url, String> {
    let joined = format!("{}{path}", base.as_str().trim_end_matches('/'));
    let url = Url::parse(&joined).map_err(|e| format!("not a valid URL ({e})"))?;
    if url.origin() != base.origin() {
        return Err(format!(
            "the path leads away from {}",
            base.origin().ascii_serialization()
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balancer::Strategy;

    #[test]
    fn paths_join_under_the_base_and_stay_on_its_origin() {
        let base = Url::parse("http://10.0.0.1:8080/api/").unwrap();
        assert_eq!(
            join(&base, "/items/1?x=2").unwrap().as_str(),
            "http://10.0.0.1:8080/api/items/1?x=2"
        );
        let root = Url::parse("http://10.0.0.1:8080").unwrap();
        assert_eq!(
            join(&root, "/a").unwrap().as_str(),
            "http://10.0.0.1:8080/a"
        );
        // `//host` after a base is a path, never an authority.
        assert_eq!(
            join(&root, "//evil.example/x").unwrap().host_str(),
            Some("10.0.0.1")
        );
        assert!(check_path("@evil.example/").is_err());
        assert!(check_path("http://evil.example/").is_err());
        assert!(check_path("/a b").is_err());
    }

    #[test]
    fn lists_parse_into_named_instances() {
        let up = Upstreams::builder(Strategy::RoundRobin)
            .instances_from_list(" a=http://127.0.0.1:1 , http://127.0.0.1:2/api ,")
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(
            up.balancer().names().collect::<Vec<_>>(),
            ["a", "127.0.0.1:2"]
        );
        let err = Upstreams::builder(Strategy::RoundRobin)
            .instances_from_list("a=ftp://x")
            .unwrap()
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "upstream \"a\": base URL \"ftp://x\": only http and https URLs are supported, not \"ftp\""
        );
        assert_eq!(
            Upstreams::builder(Strategy::RoundRobin)
                .instance("a", "http://x")
                .instance("a", "http://y")
                .build()
                .unwrap_err(),
            UpstreamsError::DuplicateName("a".into())
        );
    }
}
