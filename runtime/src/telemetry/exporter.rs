//! The HTTP client the OTLP exporter sends with: the runtime's own `reqwest`, blocking, on the
//! SDK's export thread (no runtime of ours is needed there, and calls never wait on it).

use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

/// Longest an export may take (`OTEL_EXPORTER_OTLP_TIMEOUT`, in milliseconds, overrides).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest collector answer read (the answer to an export is a few bytes).
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// Built on the export thread at its first export: a blocking client cannot be built (or
/// dropped) on a runtime's thread, where servers are set up.
#[derive(Debug)]
pub(super) struct BlockingClient {
    timeout: Duration,
    client: OnceLock<Result<reqwest::blocking::Client, String>>,
}

impl BlockingClient {
    pub(super) fn new() -> Self {
        let timeout = std::env::var("OTEL_EXPORTER_OTLP_TIMEOUT")
            .ok()
            .and_then(|ms| ms.trim().parse::<u64>().ok())
            .map_or(DEFAULT_TIMEOUT, Duration::from_millis);
        BlockingClient {
            timeout,
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> Result<&reqwest::blocking::Client, HttpError> {
        self.client
            .get_or_init(|| {
                reqwest::blocking::Client::builder()
                    .timeout(self.timeout)
                    .build()
                    .map_err(|e| format!("OpenTelemetry exporter's HTTP client: {e}"))
            })
            .as_ref()
            .map_err(|e| e.clone().into())
    }
}

impl HttpClient for BlockingClient {
    fn send_bytes<'a, 'b>(
        &'a self,
        request: Request<Bytes>,
    ) -> Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send + 'b>>
    where
        'a: 'b,
    {
        Box::pin(async move {
            use std::io::Read;
            let request = reqwest::blocking::Request::try_from(request)?;
            let mut response = self.client()?.execute(request)?;
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            let mut body = Vec::new();
            response.take(MAX_ANSWER_BYTES).read_to_end(&mut body)?;
            let mut answer = Response::builder().status(status).body(Bytes::from(body))?;
            *answer.headers_mut() = headers;
            Ok(answer)
        })
    }
}
