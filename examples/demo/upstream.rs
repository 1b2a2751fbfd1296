//! Local upstream API instances on 127.0.0.1 whose behaviour the demo switches while they serve.
//!
//! Routes: `/item/<x>` answers 200 `{"instance": …, "item": …}`; `/flaky/<x>` fails (500) every
//! third request; `/fail/<x>` always 500; anything else 404. [`Behaviour::Failing`] answers 500 to
//! everything and [`Behaviour::Hanging`] never answers.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Behaviour {
    Healthy = 0,
    Failing = 1,
    Hanging = 2,
}

impl Behaviour {
    pub fn label(self) -> &'static str {
        match self {
            Behaviour::Healthy => "healthy",
            Behaviour::Failing => "HTTP 500",
            Behaviour::Hanging => "hangs",
        }
    }
}

struct State {
    name: &'static str,
    behaviour: AtomicU8,
    requests: AtomicU64,
}

/// One running instance; it stops when the demo's runtime does.
#[derive(Clone)]
pub struct Upstream {
    pub name: &'static str,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    state: Arc<State>,
}

impl Upstream {
    pub async fn start(name: &'static str) -> std::io::Result<Upstream> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(State {
            name,
            behaviour: AtomicU8::new(Behaviour::Healthy as u8),
            requests: AtomicU64::new(0),
        });
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let state = state.clone();
                        async move { Ok::<_, hyper::Error>(answer(&state, req.uri().path()).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Upstream { name, base, state })
    }

    pub fn set(&self, behaviour: Behaviour) {
        self.state
            .behaviour
            .store(behaviour as u8, Ordering::Relaxed);
    }

    pub fn behaviour(&self) -> Behaviour {
        match self.state.behaviour.load(Ordering::Relaxed) {
            0 => Behaviour::Healthy,
            1 => Behaviour::Failing,
            _ => Behaviour::Hanging,
        }
    }

    /// Requests received so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn answer(state: &State, path: &str) -> hyper::Response<Full<Bytes>> {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    let behaviour = state.behaviour.load(Ordering::Relaxed);
    if behaviour == Behaviour::Hanging as u8 {
        std::future::pending::<()>().await;
    }
    let item = path.rsplit('/').next().unwrap_or_default();
    let (status, body) = if behaviour == Behaviour::Failing as u8 || path.starts_with("/fail/") {
        (500, format!(r#"{{"error": "{} is failing"}}"#, state.name))
    } else if path.starts_with("/flaky/") && n % 3 == 2 {
        (500, r#"{"error": "flaky"}"#.to_owned())
    } else if path.starts_with("/item/") || path.starts_with("/flaky/") {
        (
            200,
            serde_json::json!({"instance": state.name, "item": item}).to_string(),
        )
    } else {
        (404, r#"{"error": "no such route"}"#.to_owned())
    };
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response")
}
