//! See sturdy at work: `cargo run --example demo` (about 30 s; `-- --quick` for about 10 s).
//!
//! Starts four local HTTP upstreams on 127.0.0.1 (`alpha`, `beta`, `gamma` behind
//! `load_balanced_request`, and `api` behind `resilient_api_call`), serves the example tool
//! server's tools (the same modules as `examples/tool_server`) over the stdio transport on an
//! in-memory pipe, and calls them as an MCP client would while the upstreams fail, hang and
//! recover. A live table shows breaker states, instance selection, retries, cache hits and
//! rate-limit rejections; without a terminal (piped output) it prints the table once per phase.
//! The same server's live status page is served on a loopback port while the demo runs (its
//! address is on the first line of the table).

#[path = "../tool_server/tools/mod.rs"]
mod tools;

mod client;
mod dashboard;
mod upstream;

use client::Client;
use dashboard::Board;
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sturdy::balancer::Strategy;
use sturdy::remote::{HttpClient, Upstreams};
use sturdy::resilience::{CircuitBreakerConfig, CircuitState, Retry};
use sturdy::AppState;
use sturdy::{Server, ServerInfo};
use upstream::{Behaviour, Upstream};

/// One step of the story: how long it lasts (before scaling) and what the upstreams do.
struct Phase {
    seconds: f64,
    title: &'static str,
    beta: Behaviour,
    gamma: Behaviour,
    api: Behaviour,
    batch: bool,
}

const PHASES: [Phase; 5] = [
    Phase {
        seconds: 5.0,
        title: "all upstreams healthy: round robin spreads the calls evenly",
        beta: Behaviour::Healthy,
        gamma: Behaviour::Healthy,
        api: Behaviour::Healthy,
        batch: false,
    },
    Phase {
        seconds: 7.0,
        title: "beta answers HTTP 500: its breaker opens, retries move to alpha and gamma",
        beta: Behaviour::Failing,
        gamma: Behaviour::Healthy,
        api: Behaviour::Healthy,
        batch: false,
    },
    Phase {
        seconds: 6.0,
        title: "gamma hangs too (calls time out) and the API goes down: only alpha serves",
        beta: Behaviour::Failing,
        gamma: Behaviour::Hanging,
        api: Behaviour::Failing,
        batch: false,
    },
    Phase {
        seconds: 8.0,
        title: "everything recovers: trial calls close the breakers, traffic comes back",
        beta: Behaviour::Healthy,
        gamma: Behaviour::Healthy,
        api: Behaviour::Healthy,
        batch: false,
    },
    Phase {
        seconds: 3.0,
        title: "a batch of 200 URLs (every tenth fails) and 50 items processed in parallel",
        beta: Behaviour::Healthy,
        gamma: Behaviour::Healthy,
        api: Behaviour::Healthy,
        batch: true,
    },
];

#[tokio::main]
async fn main() -> ExitCode {
    let quick = std::env::args().any(|a| a == "--quick");
    match run(if quick { 0.3 } else { 1.0 }).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(scale: f64) -> Result<(), Box<dyn std::error::Error>> {
    let scaled = |seconds: f64| Duration::from_secs_f64(seconds * scale);
    let servers = [
        Upstream::start("alpha").await?,
        Upstream::start("beta").await?,
        Upstream::start("gamma").await?,
    ];
    let api = Upstream::start("api").await?;
    let balancer = tools::upstreams::LoadBalancer::new(
        servers
            .iter()
            .fold(Upstreams::builder(Strategy::RoundRobin), |b, s| {
                b.instance(s.name, &s.base)
            })
            .breaker(CircuitBreakerConfig {
                threshold: 3,
                recovery: scaled(3.0),
                ..Default::default()
            })
            .client(HttpClient::builder().timeout(scaled(1.0)).build())
            .retry(Retry {
                max: 2,
                base: Duration::from_millis(20),
                max_delay: Duration::from_millis(200),
                jitter: true,
            })
            .build()?,
    );
    let upstreams = balancer.upstreams().expect("just configured").clone();
    // What the tools' `State<…>` parameters receive, as `App::state` gives them in the server.
    let mut state = AppState::new();
    state.insert(tools::api::http_client());
    state.insert(balancer);

    let server = Server::from_inventory(ServerInfo::new("sturdy-demo", env!("CARGO_PKG_VERSION")))?
        .with_app_state(state);
    server.check_app_state()?;
    let server = Arc::new(server);
    // The same server's live status page, over HTTP on a loopback port while the demo runs.
    sturdy::metrics::watch_instances("upstreams", {
        let upstreams = upstreams.clone();
        move || upstreams.stats()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let status_page = format!("http://{}/status", listener.local_addr()?);
    let (stop_page, page_stopped) = tokio::sync::oneshot::channel::<()>();
    let page = tokio::spawn(sturdy::transport::http::serve_http(
        server.clone(),
        listener,
        sturdy::transport::http::HttpOptions::default(),
        async {
            let _ = page_stopped.await;
        },
    ));
    let client = Arc::new(Client::connect(server).await);
    let tty = std::io::stdout().is_terminal();
    let board = Arc::new(Board::new(tty, status_page));
    let running = Arc::new(AtomicBool::new(true));

    let mut drivers = Vec::new();
    // Steady traffic through the balancer, up to 16 calls in flight.
    drivers.push(drive(&client, &board, &running, 25, 16, |k| {
        (
            "load_balanced_request",
            json!({"endpoint": format!("/item/{k}")}),
        )
    }));
    let flaky = api.clone();
    drivers.push(drive(&client, &board, &running, 200, 4, move |k| {
        (
            "resilient_api_call",
            json!({"url": flaky.url(&format!("/flaky/{k}"))}),
        )
    }));
    // 30 distinct arguments: after the first round, every call is a cache hit.
    drivers.push(drive(&client, &board, &running, 60, 4, |k| {
        (
            "cached_expensive_operation",
            json!({"n": (k * 7) % 30 + 60, "operation": "fibonacci"}),
        )
    }));
    drivers.push(drive(&client, &board, &running, 300, 1, |k| {
        (
            "rate_limited_operation",
            json!({"data": format!("job {k}"), "client_id": "demo"}),
        )
    }));

    // The display: redrawn in place on a terminal, once per phase otherwise.
    let painter = {
        let (board, running, servers, api, upstreams) = (
            board.clone(),
            running.clone(),
            servers.clone(),
            api.clone(),
            upstreams.clone(),
        );
        tokio::spawn(async move {
            if tty {
                print!("\x1b[2J");
            }
            while running.load(Ordering::Relaxed) {
                board.watch(&upstreams);
                if tty {
                    let frame = board
                        .render(&upstreams, &servers, &api)
                        .replace('\n', "\x1b[K\n");
                    print!("\x1b[H{frame}\x1b[J");
                    let _ = std::io::stdout().flush();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    for (i, phase) in PHASES.iter().enumerate() {
        servers[1].set(phase.beta);
        servers[2].set(phase.gamma);
        api.set(phase.api);
        board.set_phase(i + 1, PHASES.len(), phase.title);
        let until = Instant::now() + scaled(phase.seconds);
        if phase.batch {
            run_batches(&client, &board, &servers).await;
        }
        tokio::time::sleep_until(until.into()).await;
        // The last frame is drawn once the calls in flight have finished.
        if !tty && i + 1 < PHASES.len() {
            board.watch(&upstreams);
            println!("{}", board.render(&upstreams, &servers, &api));
        }
    }

    running.store(false, Ordering::Relaxed);
    for d in drivers {
        d.await?;
    }
    painter.await?;
    board.watch(&upstreams);
    let last = board.render(&upstreams, &servers, &api);
    if tty {
        print!("\x1b[H{}\x1b[J", last.replace('\n', "\x1b[K\n"));
    } else {
        println!("{last}");
    }
    println!("{}", summary(&board));
    let _ = stop_page.send(());
    page.await??;
    Ok(())
}

/// Calls a tool every `every_ms` (the `k`-th call with `args(k)`), at most `in_flight` at once,
/// until `running` turns false; waits for its calls before returning.
fn drive(
    client: &Arc<Client>,
    board: &Arc<Board>,
    running: &Arc<AtomicBool>,
    every_ms: u64,
    in_flight: usize,
    args: impl Fn(u64) -> (&'static str, serde_json::Value) + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    let (client, board, running) = (client.clone(), board.clone(), running.clone());
    tokio::spawn(async move {
        let slots = Arc::new(tokio::sync::Semaphore::new(in_flight));
        let mut tick = tokio::time::interval(Duration::from_millis(every_ms));
        let mut k = 0;
        while running.load(Ordering::Relaxed) {
            tick.tick().await;
            let slot = slots.clone().acquire_owned().await.expect("never closed");
            let (tool, arguments) = args(k);
            k += 1;
            let (client, board) = (client.clone(), board.clone());
            tokio::spawn(async move {
                let result = client.call(tool, arguments).await;
                board.record(tool, &result);
                drop(slot);
            });
        }
        // Every call started has been answered once all slots are free again.
        let _ = slots.acquire_many(in_flight as u32).await;
    })
}

async fn run_batches(client: &Client, board: &Board, servers: &[Upstream]) {
    let urls: Vec<String> = (0..200)
        .map(|i| {
            let path = if i % 10 == 0 { "fail" } else { "item" };
            servers[i % servers.len()].url(&format!("/{path}/{i}"))
        })
        .collect();
    let started = Instant::now();
    let result = client
        .call(
            "async_batch_requests",
            json!({"urls": urls, "concurrency": 32}),
        )
        .await;
    board.record("async_batch_requests", &result);
    board.note_duration("async_batch_requests", started.elapsed());

    let items: Vec<Value> = (0..50).map(|i| json!({"id": i})).collect();
    let started = Instant::now();
    let result = client
        .call(
            "async_parallel_processing",
            json!({"data": items, "concurrency": 10, "delay_ms": 50}),
        )
        .await;
    board.record("async_parallel_processing", &result);
    board.note_duration("async_parallel_processing", started.elapsed());
}

/// What happened, in sentences.
fn summary(board: &Board) -> String {
    let times = |n: usize| {
        if n == 1 {
            "1 time".to_owned()
        } else {
            format!("{n} times")
        }
    };
    let breaker = |name: &str| {
        format!(
            "{name}'s breaker opened {} and closed {}",
            times(board.changes_to(name, CircuitState::Open)),
            times(board.changes_to(name, CircuitState::Closed))
        )
    };
    let balanced = board.totals("load_balanced_request");
    let api = board.totals("resilient_api_call");
    let cached = board.totals("cached_expensive_operation");
    let limited = board.totals("rate_limited_operation");
    format!(
        "\nWhat happened:\n  {}; {}.\n  load_balanced_request: {} calls, {} failed, {} retried on another \
         instance.\n  resilient_api_call's breaker opened {}: {} calls failed fast with circuit_open \
         (it stays open for its 30 s recovery).\n  cached_expensive_operation: {} cache hits in {} calls. \
         rate_limited_operation: {} of {} calls rejected.",
        breaker("beta"),
        breaker("gamma"),
        balanced.calls,
        balanced.failed(),
        balanced.retried,
        times(board.changes_to("resilient_api_call", CircuitState::Open)),
        api.errors("circuit_open"),
        cached.cache_hits,
        cached.calls,
        limited.errors("rate_limited"),
        limited.calls,
    )
}
