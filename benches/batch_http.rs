//! `Batch` throughput against local HTTP upstreams, compared with the plain
//! `stream::iter(..).buffer_unordered(n)` loop a user would otherwise write. Report:
//! `cargo bench --bench batch_http`.
//!
//! Three hyper HTTP/1.1 upstreams on 127.0.0.1 (their own 2-worker runtime) answer
//! `GET /item/{i}` with `{"item": i}`, or HTTP 500 when `i % 10 == 0`. The client is one shared
//! `reqwest::Client` (keep-alive pool) on a current-thread runtime; a job is GET, status check
//! (non-2xx is a `ToolError`), body read and `serde_json` parse, the same function in every arm.
//!
//! Group `batch_http_1000/<arm>`: one batch of 1,000 URLs spread over the 3 upstreams at
//! concurrency 64. `plain` is `buffer_unordered(64)` collecting `(index, result)` and sorting by
//! index (input order, as `Batch` reports it), `batch` is `Batch::run`, `batch_timeout` adds a 10 s
//! per-item timeout (a timer per job, since every HTTP job is pending at first). Every arm checks
//! that exactly 900 items succeeded and 100 failed, so an arm that measures errors panics.
//!
//! The client, the upstreams and anything else on the machine share the CPU, so absolute times
//! are noisy; after criterion the arms run again interleaved (median over rounds) and the
//! batch/plain ratios printed come from that same run. The issue's target is a ratio ≤ 1.10.

use criterion::Criterion;
use futures_util::{stream, StreamExt};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use sturdy::batch::Batch;
use sturdy::ToolError;
use tokio::runtime::Runtime;

const UPSTREAMS: usize = 3;
const ITEMS: usize = 1_000;
const CONCURRENCY: usize = 64;
const FAILING: usize = ITEMS / 10;

/// Connections the upstreams accepted: with keep-alive it stays near the concurrency; if it grew
/// with the requests, the bench would be measuring TCP handshakes.
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);

async fn answer(
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, hyper::Error> {
    let item: Option<u64> = req
        .uri()
        .path()
        .strip_prefix("/item/")
        .and_then(|i| i.parse().ok());
    let response = match item {
        Some(i) if i % 10 != 0 => hyper::Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(format!(r#"{{"item": {i}}}"#)))),
        // Empty body: the client can reuse the connection without reading it.
        _ => hyper::Response::builder()
            .status(500)
            .body(Full::new(Bytes::new())),
    };
    Ok(response.unwrap())
}

/// Starts the upstreams on `rt`; returns their base URLs.
fn upstreams(rt: &Runtime) -> Vec<String> {
    (0..UPSTREAMS)
        .map(|_| {
            let listener = rt
                .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
                .unwrap();
            let addr = listener.local_addr().unwrap();
            rt.spawn(async move {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    ACCEPTED.fetch_add(1, Ordering::Relaxed);
                    stream.set_nodelay(true).unwrap();
                    tokio::spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(
                                hyper_util::rt::TokioIo::new(stream),
                                service_fn(answer),
                            )
                            .await;
                    });
                }
            });
            format!("http://{addr}")
        })
        .collect()
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<Value, ToolError> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| ToolError::new(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(ToolError::new(format!("upstream answered {status}")));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| ToolError::new(e.to_string()))?;
    serde_json::from_slice(&body).map_err(|e| ToolError::new(e.to_string()))
}

#[derive(Clone, Copy)]
enum Arm {
    Plain,
    Batch,
    BatchTimeout,
}

const ARMS: [Arm; 3] = [Arm::Plain, Arm::Batch, Arm::BatchTimeout];

impl Arm {
    fn name(self) -> &'static str {
        match self {
            Arm::Plain => "plain",
            Arm::Batch => "batch",
            Arm::BatchTimeout => "batch_timeout",
        }
    }
}

struct Setup {
    client_rt: Runtime,
    client: reqwest::Client,
    urls: Vec<String>,
    // Kept alive for the upstreams' tasks.
    _upstream_rt: Runtime,
}

impl Setup {
    fn new() -> Self {
        let upstream_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let bases = upstreams(&upstream_rt);
        let urls = (0..ITEMS)
            .map(|i| format!("{}/item/{i}", bases[i % UPSTREAMS]))
            .collect();
        let client_rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Setup {
            client_rt,
            client: reqwest::Client::new(),
            urls,
            _upstream_rt: upstream_rt,
        }
    }

    /// One batch of all the URLs; panics unless exactly the expected items failed.
    async fn run(&self, arm: Arm) {
        let (client, urls) = (&self.client, &self.urls);
        let (successful, failed) = match arm {
            Arm::Plain => {
                let mut out: Vec<(usize, Result<Value, ToolError>)> =
                    stream::iter(urls.iter().enumerate())
                        .map(|(k, url)| async move { (k, fetch(client, url).await) })
                        .buffer_unordered(CONCURRENCY)
                        .collect()
                        .await;
                out.sort_unstable_by_key(|r| r.0);
                let successful = out.iter().filter(|r| r.1.is_ok()).count();
                (successful, out.len() - successful)
            }
            Arm::Batch | Arm::BatchTimeout => {
                let mut batch = Batch::new(CONCURRENCY);
                if let Arm::BatchTimeout = arm {
                    batch = batch.timeout(Duration::from_secs(10));
                }
                let report = batch.run(urls.iter().map(|url| fetch(client, url))).await;
                (report.successful, report.failed)
            }
        };
        assert_eq!(
            (successful, failed),
            (ITEMS - FAILING, FAILING),
            "{}: unexpected outcomes",
            arm.name()
        );
    }
}

fn bench(c: &mut Criterion, setup: &Setup) {
    let mut g = c.benchmark_group("batch_http_1000");
    for arm in ARMS {
        g.bench_function(arm.name(), |b| {
            b.to_async(&setup.client_rt).iter(|| setup.run(arm))
        });
    }
    g.finish();
}

/// The arms interleaved, median per arm over rounds, so the ratios come from the same run.
fn ratios(setup: &Setup) {
    const ROUNDS: usize = 15;
    const BATCHES: usize = 5;
    let mut times: [Vec<f64>; 3] = Default::default();
    for _ in 0..ROUNDS {
        for (arm, t) in ARMS.into_iter().zip(times.iter_mut()) {
            let t0 = Instant::now();
            for _ in 0..BATCHES {
                setup.client_rt.block_on(setup.run(arm));
            }
            t.push(t0.elapsed().as_secs_f64() / BATCHES as f64);
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let [p, b, bt] = times.each_mut().map(med);
    println!(
        "batch_http_1000: plain {:.2} ms ({:.0} req/s), batch {:.2} ms ({:.2}×), \
         batch+timeout {:.2} ms ({:.2}×)",
        p * 1e3,
        ITEMS as f64 / p,
        b * 1e3,
        b / p,
        bt * 1e3,
        bt / p
    );
    println!(
        "upstream connections accepted: {}",
        ACCEPTED.load(Ordering::Relaxed)
    );
}

fn main() {
    let setup = Setup::new();
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench(&mut c, &setup);
    c.final_summary();
    // `cargo test --all-targets` runs benches once as a smoke test, without `--bench`.
    if std::env::args().any(|a| a == "--bench") {
        ratios(&setup);
    }
}
