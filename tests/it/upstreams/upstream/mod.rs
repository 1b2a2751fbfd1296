//! A local upstream API instance on 127.0.0.1 whose behaviour a test switches while it serves, and
//! which counts every request it receives, per path.
//!
//! Routes: `/item/<x>` answers 200 `{"instance": <name>, "path": <path>}`; `/fail/<x>` always 500;
//! anything else 404. The [`Mode`] overrides them: `Failing` answers 500 to everything, `Hanging`
//! never answers.
#![allow(dead_code)] // each test uses part of it

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Healthy = 0,
    Failing = 1,
    Hanging = 2,
}

struct State {
    name: String,
    mode: AtomicU8,
    hits: Mutex<HashMap<String, u32>>,
}

pub struct Upstream {
    pub name: String,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    state: Arc<State>,
    server: tokio::task::JoinHandle<()>,
}

impl Upstream {
    pub async fn start(name: &str) -> Upstream {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State {
            name: name.to_owned(),
            mode: AtomicU8::new(Mode::Healthy as u8),
            hits: Mutex::new(HashMap::new()),
        });
        let shared = state.clone();
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let state = state.clone();
                        async move { Ok::<_, hyper::Error>(answer(&state, req.uri().path()).await) }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
        Upstream {
            name: name.to_owned(),
            base,
            state,
            server,
        }
    }

    pub fn set(&self, mode: Mode) {
        self.state.mode.store(mode as u8, Ordering::SeqCst);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Requests received for `path`.
    pub fn hits(&self, path: &str) -> u32 {
        self.state
            .hits
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Requests received in all.
    pub fn total(&self) -> u32 {
        self.state.hits.lock().unwrap().values().sum()
    }

    /// Every path received and how many times.
    pub fn all_hits(&self) -> HashMap<String, u32> {
        self.state.hits.lock().unwrap().clone()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(state: &State, path: &str) -> hyper::Response<Full<Bytes>> {
    *state
        .hits
        .lock()
        .unwrap()
        .entry(path.to_owned())
        .or_insert(0) += 1;
    let mode = state.mode.load(Ordering::SeqCst);
    if mode == Mode::Hanging as u8 {
        std::future::pending::<()>().await;
    }
    let (status, body) = if mode == Mode::Failing as u8 || path.starts_with("/fail/") {
        (500, format!("{} is failing", state.name))
    } else if path.starts_with("/item/") {
        (
            200,
            serde_json::json!({"instance": state.name, "path": path}).to_string(),
        )
    } else {
        (404, format!("no route {path}"))
    };
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}
