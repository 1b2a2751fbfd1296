//! A 2025 session's GET stream: what the server says unasked, opened again (from its last event
//! id) when it ends.

use super::sse::StreamState;
use super::{Post, DEFAULT_RETRY, MAX_RESUMPTIONS};
use crate::client::ClientError;
use reqwest::header::ACCEPT;

impl Post {
    /// GETs the session's stream, from where `stream` stopped when it named its events.
    pub(super) async fn open_stream(
        &self,
        stream: &StreamState,
    ) -> Result<reqwest::Response, ClientError> {
        self.send_authorized(|| {
            let mut get = self
                .request(reqwest::Method::GET)
                .header(ACCEPT, "text/event-stream");
            if let Some(last) = &stream.last_id {
                get = get.header("last-event-id", last.clone());
            }
            get
        })
        .await
    }

    /// The GET stream: what the server says unasked (notifications, questions). A stream that
    /// ends is opened again after the wait the server asked for (1 s by default), from its last
    /// event id when it gave ids; a server that does not offer one (405), a session that is gone
    /// (404) or streams that keep failing or ending empty stop it.
    pub(super) async fn listen(&self, mut first: Option<Result<reqwest::Response, ClientError>>) {
        let mut stream = StreamState::default();
        let mut failures = 0;
        while failures < MAX_RESUMPTIONS {
            let received = stream.received;
            let opened = match first.take() {
                Some(opened) => opened,
                None => self.open_stream(&stream).await,
            };
            match opened {
                Ok(mut response) if response.status().is_success() => {
                    let read = self.events(&mut response, &mut stream).await;
                    if read.is_err() || stream.received == received {
                        failures += 1;
                    } else {
                        failures = 0;
                    }
                }
                Ok(response) if matches!(response.status().as_u16(), 404 | 405) => return,
                _ => failures += 1,
            }
            let wait = stream.retry.unwrap_or(DEFAULT_RETRY) * (failures as u32 + 1);
            tokio::time::sleep(wait).await;
        }
    }
}
