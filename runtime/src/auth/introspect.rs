//! Opaque access tokens, checked by asking the authorization server (token introspection,
//! RFC 7662) as a client of its own. At most [`CONCURRENT`] questions at a time: a flood of
//! made-up tokens queues here instead of becoming a flood of requests to the authorization server.

use super::refused::Refused;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

/// Introspection requests in flight at most.
const CONCURRENT: usize = 16;
/// Largest answer read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Where and as whom to introspect.
pub(super) struct Introspector {
    http: reqwest::Client,
    url: String,
    client_id: String,
    client_secret: String,
    permits: Semaphore,
}

impl Introspector {
    pub(super) fn new(http: reqwest::Client, url: &str, client_id: &str, secret: &str) -> Self {
        Introspector {
            http,
            url: url.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: secret.to_owned(),
            permits: Semaphore::new(CONCURRENT),
        }
    }

    /// The claims of an active `token`; an inactive one, or no answer, is refused.
    pub(super) async fn claims(&self, token: &str) -> Result<Map<String, Value>, Refused> {
        let _permit = self.permits.acquire().await.expect("never closed");
        let unanswered = |e: String| {
            tracing::warn!(target: "sturdy::auth", "token introspection failed: {e}");
            Refused::Invalid("the token could not be checked")
        };
        let mut response = self
            .http
            .post(&self.url)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await
            .map_err(|e| unanswered(e.to_string()))?;
        if !response.status().is_success() {
            return Err(unanswered(format!("{}: {}", self.url, response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unanswered(e.to_string()))?
        {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(unanswered(format!(
                    "an answer over {MAX_ANSWER_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let answer: Map<String, Value> =
            serde_json::from_slice(&body).map_err(|e| unanswered(format!("not JSON: {e}")))?;
        if answer.get("active") != Some(&Value::Bool(true)) {
            return Err(Refused::Invalid("the token is not active"));
        }
        Ok(answer)
    }
}
