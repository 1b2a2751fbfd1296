//! One HTTP client for JSON APIs: pooled connections, a time limit per request, a cap on bodies.

use super::error::{error_chain, RemoteError, RemoteErrorKind};
use reqwest::{Method, Url};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How much of an error response's body goes into the error message.
const ERROR_BODY_CHARS: usize = 200;
/// How much of an error response's body is read (a character is up to 4 bytes).
const ERROR_BODY_BYTES: usize = 4 * ERROR_BODY_CHARS;

/// Bytes that many calls may hold at once, shared by them (see
/// [`HttpClient::get_json_within`]).
#[derive(Debug)]
pub struct ByteBudget {
    left: AtomicUsize,
    total: usize,
}

impl ByteBudget {
    /// A budget of `bytes` shared by the responses read under it.
    pub fn new(bytes: usize) -> Self {
        ByteBudget {
            left: AtomicUsize::new(bytes),
            total: bytes,
        }
    }

    /// Bytes not yet charged.
    pub fn left(&self) -> usize {
        self.left.load(Ordering::Relaxed)
    }

    fn take(&self, bytes: usize) -> bool {
        self.left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: usize) {
        self.left.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// What one call has charged to a budget so far; given back when dropped (the call failed) unless
/// cleared.
struct Charged<'a> {
    budget: Option<&'a ByteBudget>,
    bytes: usize,
}

impl Charged<'_> {
    fn take(&mut self, bytes: usize) -> Result<(), RemoteErrorKind> {
        let Some(budget) = self.budget else {
            return Ok(());
        };
        if !budget.take(bytes) {
            return Err(RemoteErrorKind::OverBudget {
                budget: budget.total,
            });
        }
        self.bytes += bytes;
        Ok(())
    }
}

impl Drop for Charged<'_> {
    fn drop(&mut self) {
        if let Some(budget) = self.budget {
            budget.give_back(self.bytes);
        }
    }
}

/// An HTTP client for JSON APIs over `reqwest` (rustls, no OpenSSL). Cheap to clone (clones share
/// the connection pool); build one and keep it.
///
/// Every request is bounded by [`timeout`](HttpClientBuilder::timeout) from sending to the last
/// byte of the body, and bodies larger than [`max_body`](HttpClientBuilder::max_body) are
/// refused rather than buffered. Failures come back as a [`RemoteError`] that says which kind of
/// failure it was (status, connect, timeout, not JSON, ...), ready to become a [`ToolError`]
/// with `?`.
///
/// ```no_run
/// use sturdy_runtime::remote::HttpClient;
/// use sturdy_runtime::ToolError;
///
/// # async fn run() -> Result<(), ToolError> {
/// let client = HttpClient::new();
/// let user = client.get_json("https://api.example.com/users/1").await?;
/// println!("{}", user["name"]);
/// # Ok(()) }
/// ```
///
/// [`ToolError`]: crate::ToolError
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    timeout: Duration,
    max_body: usize,
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new()
    }
}

/// Settings of an [`HttpClient`].
#[derive(Debug, Clone)]
#[must_use = "call build()"]
pub struct HttpClientBuilder {
    timeout: Duration,
    connect_timeout: Duration,
    max_body: usize,
    user_agent: String,
}

impl HttpClientBuilder {
    /// The limit of one request, from sending it to the end of the body (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit of connecting (default 5 s, and never more than the request timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The largest body accepted, in bytes (default 8 MiB).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The `User-Agent` header (default `sturdy/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The client.
    ///
    /// # Panics
    /// When the TLS backend cannot be initialised (reqwest's `Client::build` fails), which does
    /// not depend on these settings.
    pub fn build(self) -> HttpClient {
        let client = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout.min(self.timeout))
            .build()
            .expect("the HTTP client builds");
        HttpClient {
            client,
            timeout: self.timeout,
            max_body: self.max_body,
        }
    }
}

impl HttpClient {
    /// A client with the default settings of [`HttpClient::builder`].
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Settings: 10 s per request, 5 s to connect, bodies up to 8 MiB.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body: 8 << 20,
            user_agent: concat!("sturdy/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// The underlying `reqwest` client, for requests these helpers do not cover.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.client
    }

    /// The timeout of each request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// GETs `url` and parses its body as JSON.
    pub async fn get_json(&self, url: &str) -> Result<serde_json::Value, RemoteError> {
        self.send_json(Method::GET, url, None).await
    }

    /// [`get_json`](Self::get_json), charging the body's bytes to `budget` as they arrive: when
    /// the budget runs out the body is dropped and the call fails with
    /// [`RemoteErrorKind::OverBudget`]. Bytes of a failed call are given back. Bounds the memory
    /// of many calls whose results are kept together, such as a batch's.
    ///
    /// ```no_run
    /// use sturdy_runtime::remote::{ByteBudget, HttpClient};
    ///
    /// # async fn run(urls: Vec<String>) {
    /// let client = HttpClient::new();
    /// let budget = ByteBudget::new(64 << 20);
    /// for url in &urls {
    ///     let _ = client.get_json_within(url, &budget).await;
    /// }
    /// # }
    /// ```
    pub async fn get_json_within(
        &self,
        url: &str,
        budget: &ByteBudget,
    ) -> Result<serde_json::Value, RemoteError> {
        let parsed = parse_url(url)
            .map_err(|why| fail(&Method::GET, url, RemoteErrorKind::InvalidUrl(why)))?;
        self.send(Method::GET, parsed, None, Some(budget)).await
    }

    /// Sends `method url` (with `body` as JSON, if any) and parses the answer as JSON. A success
    /// status with an empty body is `null`.
    pub async fn send_json(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, RemoteError> {
        let parsed =
            parse_url(url).map_err(|why| fail(&method, url, RemoteErrorKind::InvalidUrl(why)))?;
        self.send_parsed(method, parsed, body).await
    }

    /// [`send_json`](Self::send_json) of a checked URL; errors name it as given.
    pub(super) async fn send_parsed(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, RemoteError> {
        self.send(method, url, body, None).await
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        budget: Option<&ByteBudget>,
    ) -> Result<serde_json::Value, RemoteError> {
        let mut request = self.client.request(method.clone(), url.clone());
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(body).expect("a JSON value serializes"));
        }
        let request = request.header(reqwest::header::ACCEPT, "application/json");
        #[cfg(feature = "otel")]
        let span = crate::telemetry::ClientSpan::start(method.as_str(), &url);
        #[cfg(feature = "otel")]
        let request = span
            .iter()
            .flat_map(|s| s.headers())
            .fold(request, |r, (name, value)| r.header(name, value));
        let mut charged = Charged { budget, bytes: 0 };
        let exchange = self.exchange(request, &mut charged);
        let outcome = match tokio::time::timeout(self.timeout, exchange).await {
            Ok(outcome) => outcome,
            Err(_) => Err(RemoteErrorKind::Timeout(self.timeout)),
        };
        #[cfg(feature = "otel")]
        if let Some(span) = span {
            match &outcome {
                Ok((status, _)) => span.end(Some(*status), None),
                Err(kind) => span.end(kind.status(), Some(kind.error_type())),
            }
        }
        match outcome {
            Ok((_, value)) => {
                // Kept by the caller: the bytes stay charged.
                charged.bytes = 0;
                Ok(value)
            }
            Err(kind) => Err(fail(&method, url.as_str(), kind)),
        }
    }

    /// The response's status and its body parsed.
    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
        charged: &mut Charged<'_>,
    ) -> Result<(u16, serde_json::Value), RemoteErrorKind> {
        let mut response = request.send().await.map_err(|e| {
            if e.is_connect() {
                RemoteErrorKind::Connect(error_chain(&e))
            } else if e.is_timeout() {
                RemoteErrorKind::Timeout(self.timeout)
            } else {
                RemoteErrorKind::Transport(error_chain(&e))
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            // Only the start of an error's body is kept, for the message.
            let mut start = Vec::new();
            while start.len() < ERROR_BODY_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => start.extend_from_slice(&chunk),
                    _ => break,
                }
            }
            return Err(RemoteErrorKind::Status {
                status: status.as_u16(),
                body: body_excerpt(&start),
            });
        }
        if response
            .content_length()
            .is_some_and(|n| n > self.max_body as u64)
        {
            return Err(RemoteErrorKind::TooLarge {
                limit: self.max_body,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| RemoteErrorKind::Transport(error_chain(&e)))?
        {
            if body.len() + chunk.len() > self.max_body {
                return Err(RemoteErrorKind::TooLarge {
                    limit: self.max_body,
                });
            }
            charged.take(chunk.len())?;
            body.extend_from_slice(&chunk);
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok((status.as_u16(), serde_json::Value::Null));
        }
        serde_json::from_slice(&body)
            .map(|value| (status.as_u16(), value))
            .map_err(|e| RemoteErrorKind::NotJson(e.to_string()))
    }
}

/// An absolute http(s) URL, or why not.
pub(super) fn parse_url(url: &str) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|e| format!("not a valid URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "only http and https URLs are supported, not {:?}",
            parsed.scheme()
        ));
    }
    Ok(parsed)
}

pub(super) fn fail(method: &Method, url: &str, kind: RemoteErrorKind) -> RemoteError {
    RemoteError {
        kind,
        method: method.to_string(),
        url: url.to_owned(),
        instance: None,
        attempts: 1,
    }
}

/// The start of an error body, on one line, for the error message.
fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(ERROR_BODY_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}
