//! Several replicas of the example server on one real Redis (`STURDY_REDIS_URL`): one rate limit
//! for all of them, kept when the calls are spread round robin or hammer one key concurrently;
//! Redis killed mid-run (every call still answered, each replica deciding alone, counted in
//! `/metrics`) and brought back (shared limits hold again without a restart); a key of the wrong
//! type in Redis (a logged fallback, never a panic); Redis over TLS with a private CA and client
//! certificates; a Redis Cluster.

use crate::{common, support};
use common::http::{json_of, post, stateless_headers, stateless_meta};
use serde_json::json;
use std::time::{Duration, Instant};
use support::redis::{RedisCluster, RedisServer};
use support::HttpServer;

/// `count` `tool_server --http` processes sharing `redis`. The Redis timeout is raised from its
/// 50 ms default: these tests check what sharing decides, and on a loaded test machine a round
/// trip can outlast 50 ms, which would (rightly) make a replica decide alone.
fn replicas(redis: &RedisServer, count: usize) -> Vec<HttpServer> {
    replicas_with(redis, count, &[("STURDY_REDIS_TIMEOUT", "2")])
}

fn replicas_with(redis: &RedisServer, count: usize, env: &[(&str, &str)]) -> Vec<HttpServer> {
    replicas_at(&redis.url(), count, env)
}

fn replicas_at(url: &str, count: usize, env: &[(&str, &str)]) -> Vec<HttpServer> {
    let binary = support::build_example("tool_server");
    let mut env = env.to_vec();
    env.push(("STURDY_REDIS_URL", url));
    (0..count)
        .map(|_| HttpServer::start_with_env(&binary, &env))
        .collect()
}

/// One stateless `tools/call` of `rate_limited_operation` for `client_id`: whether it was
/// admitted (a rejection must be a `rate_limited` error result).
async fn limited_call(http: &reqwest::Client, url: &str, client_id: &str, n: usize) -> bool {
    let body = json!({
        "jsonrpc": "2.0", "id": n, "method": "tools/call",
        "params": {
            "name": "rate_limited_operation",
            "arguments": {"data": format!("job {n}"), "client_id": client_id},
            "_meta": stateless_meta(),
        },
    });
    let response = json_of(post(http, url, stateless_headers(), body).await).await;
    let result = &response["result"];
    if result["isError"] == true {
        let error = &result["_meta"]["dev.sturdy/error"];
        assert_eq!(error["error"], "rate_limited", "{response}");
        let retry_after = error["retry_after"].as_f64().unwrap_or(-1.0);
        assert!((0.0..=60.0).contains(&retry_after), "{response}");
        false
    } else {
        assert_eq!(
            result["structuredContent"]["result"],
            format!("Processed: job {n}"),
            "{response}"
        );
        true
    }
}

/// A replica's `/metrics` sample `name` (without labels).
async fn metric(http: &reqwest::Client, server: &HttpServer, name: &str) -> Option<f64> {
    let url = server.url().replace("/mcp", "/metrics");
    let text = http.get(url).send().await.ok()?.text().await.ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_admit_ten_of_45_round_robin() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 3);
    let http = reqwest::Client::new();
    let mut admitted = 0;
    for n in 0..45 {
        if limited_call(&http, &servers[n % 3].url(), "round-robin", n).await {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 10, "10 per 60 s across the replicas, not 10 each");
    // Redis answered every call: nothing fell back.
    for s in &servers {
        assert_eq!(
            metric(&http, s, "sturdy_shared_store_fallbacks_total").await,
            Some(0.0)
        );
        assert_eq!(
            metric(&http, s, "sturdy_shared_store_down").await,
            Some(0.0)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_calls_on_three_replicas_never_exceed_the_limit() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 3);
    let urls: Vec<String> = servers.iter().map(HttpServer::url).collect();
    let http = reqwest::Client::new();
    // 8 tasks per replica (on 8 worker threads), 5 calls each, all on one key.
    let tasks: Vec<_> = (0..24)
        .map(|t| {
            let (http, url) = (http.clone(), urls[t % 3].clone());
            tokio::spawn(async move {
                let mut admitted = 0;
                for i in 0..5 {
                    if limited_call(&http, &url, "hammered", t * 10 + i).await {
                        admitted += 1;
                    }
                }
                admitted
            })
        })
        .collect();
    let mut admitted = 0;
    for t in tasks {
        admitted += t.await.unwrap();
    }
    assert_eq!(
        admitted, 10,
        "120 concurrent calls on one key: exactly the limit admitted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dead_redis_costs_at_most_its_timeout_and_sharing_resumes_when_it_returns() {
    let mut redis = RedisServer::start();
    let port = redis.port();
    // What a call may wait on a dead Redis: 300 ms here (the default is 50 ms; a loaded test
    // machine needs the margin for the exact count once Redis is back).
    let servers = replicas_with(&redis, 3, &[("STURDY_REDIS_TIMEOUT", "0.3")]);
    let http = reqwest::Client::new();
    for (n, server) in servers.iter().enumerate() {
        assert!(limited_call(&http, &server.url(), "outage", n).await);
    }

    redis.kill();
    // Every call is answered, promptly (the bound is generous: 300 ms per Redis operation, on a
    // shared machine), each replica deciding alone: 10 each for a fresh key.
    let mut admitted = 0;
    for n in 0..30 {
        let started = Instant::now();
        if limited_call(&http, &servers[n % 3].url(), "during", n).await {
            admitted += 1;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a call waited {:?} on a dead Redis",
            started.elapsed()
        );
    }
    assert_eq!(admitted, 30, "each replica admits up to its own 10");
    for s in &servers {
        assert_eq!(
            metric(&http, s, "sturdy_shared_store_down").await,
            Some(1.0)
        );
        assert!(metric(&http, s, "sturdy_shared_store_fallbacks_total").await >= Some(10.0));
        assert_eq!(
            metric(&http, s, "sturdy_shared_store_outages_total").await,
            Some(1.0)
        );
        assert!(
            s.stderr_so_far().matches("the shared store failed").count() == 1,
            "the outage is logged once per replica:\n{}",
            s.stderr_so_far()
        );
    }

    // Back (empty: no persistence). Each replica reconnects on its own; wait until all answer.
    let _redis = RedisServer::start_on(port);
    let deadline = Instant::now() + Duration::from_secs(20);
    for (i, s) in servers.iter().enumerate() {
        loop {
            limited_call(&http, &s.url(), &format!("probe-{i}"), 0).await;
            if metric(&http, s, "sturdy_shared_store_down").await == Some(0.0) {
                break;
            }
            assert!(Instant::now() < deadline, "replica {i} never reconnected");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let mut admitted = 0;
    for n in 0..30 {
        if limited_call(&http, &servers[n % 3].url(), "after", n).await {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 10, "shared again after Redis returned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_of_the_wrong_type_is_a_logged_fallback() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 1);
    let http = reqwest::Client::new();
    let url = servers[0].url();
    assert!(limited_call(&http, &url, "typed", 0).await);
    let keys = redis.keys("sturdy:sturdy-tool-server:*:rl:typed");
    assert_eq!(
        keys.len(),
        1,
        "one namespaced key per function and client_id: {keys:?}"
    );
    assert!(keys[0].contains("rate_limited_operation"), "{keys:?}");
    // Someone else's data under our key.
    redis.command(&["DEL", &keys[0]]);
    assert_eq!(
        redis.command(&["SET", &keys[0], "not-a-log"]).as_deref(),
        Some("OK")
    );
    for n in 1..4 {
        assert!(limited_call(&http, &url, "typed", n).await);
    }
    let server = &servers[0];
    assert!(metric(&http, server, "sturdy_shared_store_bad_answers_total").await >= Some(3.0));
    assert!(
        server.stderr_so_far().contains("WRONGTYPE"),
        "{}",
        server.stderr_so_far()
    );
    // Other keys are still shared: the server never stopped using Redis.
    assert!(limited_call(&http, &url, "fine", 9).await);
    assert_eq!(redis.keys("sturdy:*:rl:fine").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_set_to_fail_closed_refuses_while_redis_is_away() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let binary = support::build_example("tool_server");
    let url = format!("redis://127.0.0.1:{port}");
    let server = HttpServer::start_with_env(
        &binary,
        &[
            ("STURDY_REDIS_URL", &url),
            ("STURDY_REDIS_RATE_LIMIT_FALLBACK", "closed"),
        ],
    );
    let http = reqwest::Client::new();
    for n in 0..3 {
        assert!(!limited_call(&http, &server.url(), "closed", n).await);
    }
    // Tools without a rate limit do not touch Redis at all.
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 1, "b": 2}, "_meta": stateless_meta()}});
    let r = json_of(post(&http, &server.url(), stateless_headers(), body).await).await;
    assert_eq!(r["result"]["structuredContent"]["result"], 3, "{r}");
}

/// One stateless request; its `result`.
async fn request(
    http: &reqwest::Client,
    url: &str,
    method: &str,
    params: serde_json::Value,
) -> serde_json::Value {
    let mut params = params;
    params["_meta"] = stateless_meta();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let response = json_of(post(http, url, stateless_headers(), body).await).await;
    assert!(response.get("error").is_none(), "{response}");
    response["result"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_value_computed_on_one_replica_is_a_cache_hit_on_the_others() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 3);
    let http = reqwest::Client::new();
    let args = json!({"name": "cached_expensive_operation",
                      "arguments": {"n": 77, "operation": "fibonacci"}});
    let mut cached = Vec::new();
    for s in &servers {
        let r = request(&http, &s.url(), "tools/call", args.clone()).await;
        assert_eq!(
            r["structuredContent"]["result"], 5_527_939_700_884_757_u64,
            "{r}"
        );
        cached.push(r["structuredContent"]["cached"].clone());
    }
    assert_eq!(cached, [json!(false), json!(true), json!(true)]);
    // Stored under the server's namespace with the cache's TTL (600 s), the lock gone.
    let keys = redis.keys("sturdy:sturdy-tool-server:*compute:cv:*");
    assert_eq!(keys.len(), 1, "{keys:?}");
    let ttl: i64 = redis.command(&["PTTL", &keys[0]]).unwrap().parse().unwrap();
    assert!(ttl > 590_000 && ttl <= 600_000, "{ttl}");
    assert!(redis.keys("sturdy:*:cl:*").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_value_fetched_from_redis_lives_in_front_only_as_long_as_it_has_left_there() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 2);
    let http = reqwest::Client::new();
    let args = json!({"name": "cached_expensive_operation",
                      "arguments": {"n": 40, "operation": "fibonacci"}});
    let cached = |r: &serde_json::Value| r["structuredContent"]["cached"].clone();
    let first = request(&http, &servers[0].url(), "tools/call", args.clone()).await;
    assert_eq!(cached(&first), false, "{first}");
    // The value has 1.5 s left in Redis (of its 600 s TTL) when the second replica fetches it.
    let keys = redis.keys("sturdy:sturdy-tool-server:*compute:cv:*");
    assert_eq!(keys.len(), 1, "{keys:?}");
    redis.command(&["PEXPIRE", &keys[0], "1500"]).unwrap();
    let fetched = request(&http, &servers[1].url(), "tools/call", args.clone()).await;
    assert_eq!(cached(&fetched), true, "{fetched}");
    // Gone from Redis, it is gone from the second replica's front cache too: computed again
    // (a front cache keeping it for its own 600 s would answer it from there).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(redis.keys("sturdy:*:cv:*").is_empty());
    let again = request(&http, &servers[1].url(), "tools/call", args).await;
    assert_eq!(cached(&again), false, "{again}");
    assert_eq!(
        again["structuredContent"]["result"],
        first["structuredContent"]["result"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_misses_on_three_replicas_compute_once() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 3);
    let http = reqwest::Client::new();
    // The daily report takes 200 ms to build and says which process built it.
    let reads: Vec<_> = (0..9)
        .map(|i| {
            let (http, url) = (http.clone(), servers[i % 3].url());
            tokio::spawn(async move {
                let r = request(
                    &http,
                    &url,
                    "resources/read",
                    json!({"uri": "reports://daily"}),
                )
                .await;
                r["contents"][0]["text"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut texts = Vec::new();
    for r in reads {
        texts.push(r.await.unwrap());
    }
    assert!(texts[0].contains("built by process"), "{}", texts[0]);
    assert!(
        texts.iter().all(|t| *t == texts[0]),
        "one build across the replicas: {texts:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stored_value_that_does_not_deserialise_is_computed_again() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 2);
    let http = reqwest::Client::new();
    let args = json!({"name": "cached_expensive_operation",
                      "arguments": {"n": 97, "operation": "prime_check"}});
    let r = request(&http, &servers[0].url(), "tools/call", args.clone()).await;
    assert_eq!(r["structuredContent"]["cached"], false, "{r}");
    let keys = redis.keys("sturdy:*compute:cv:*");
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(
        redis.command(&["SET", &keys[0], "{garbage"]).as_deref(),
        Some("OK")
    );
    // The other replica finds someone else's bytes: computes, answers, counts a bad answer.
    let r = request(&http, &servers[1].url(), "tools/call", args).await;
    assert_eq!(r["structuredContent"]["result"], true, "{r}");
    assert_eq!(r["structuredContent"]["cached"], false, "{r}");
    assert_eq!(
        metric(&http, &servers[1], "sturdy_shared_store_bad_answers_total").await,
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_shared_breaker_opened_by_one_replica_rejects_on_all() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 3);
    let http = reqwest::Client::new();
    // Nothing listens there: every attempt fails to connect (an outage for `is_outage`).
    let dead = format!(
        "http://127.0.0.1:{}/api",
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port()
    );
    let call = json!({"name": "resilient_api_call", "arguments": {"url": dead}});
    let text = |r: &serde_json::Value| r["content"][0]["text"].as_str().unwrap_or("").to_owned();
    let first = request(&http, &servers[0].url(), "tools/call", call.clone()).await;
    assert!(
        text(&first).contains("the circuit is now open"),
        "replica 0 opens its breaker: {first}"
    );
    // The other two never tried: they fail fast with the time left of replica 0's recovery.
    for s in &servers[1..] {
        let started = Instant::now();
        let r = request(&http, &s.url(), "tools/call", call.clone()).await;
        assert!(
            text(&r).starts_with("circuit open: the service is failing, retry after"),
            "{r}"
        );
        assert_eq!(
            r["_meta"]["dev.sturdy/error"]["error"], "circuit_open",
            "{r}"
        );
        let retry_after = r["_meta"]["dev.sturdy/error"]["retry_after"]
            .as_f64()
            .unwrap();
        assert!(retry_after > 20.0 && retry_after <= 30.0, "{retry_after}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    assert_eq!(redis.keys("sturdy:*resilient_api_call:cb:open").len(), 1);
}

#[test]
fn the_replicas_example_shows_one_limit_across_three_replicas() {
    support::redis::ensure_installed();
    let binary = support::build_example("replicas");
    let out = support::run(std::process::Command::new(binary), Duration::from_secs(120));
    assert!(
        out.succeeded(),
        "{}\n{}\n{}",
        out.outcome(),
        out.stdout,
        out.stderr
    );
    assert!(
        out.stdout.contains("admitted 10 of 45 across 3 replicas"),
        "{}",
        out.stdout
    );
    let cached: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("cached "))
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(cached, ["false", "true", "true"], "{}", out.stdout);
}

/// `path` as a variable's value.
fn path_text(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_share_limits_over_tls_with_a_private_ca_and_client_certificates() {
    let redis = RedisServer::start_tls();
    let files = redis.tls_files();
    let servers = replicas_at(
        &redis.tls_url(),
        2,
        &[
            ("STURDY_REDIS_TIMEOUT", "2"),
            ("STURDY_REDIS_CA_CERT", path_text(&files.ca_cert)),
            ("STURDY_REDIS_CLIENT_CERT", path_text(&files.client_cert)),
            ("STURDY_REDIS_CLIENT_KEY", path_text(&files.client_key)),
        ],
    );
    let http = reqwest::Client::new();
    let mut admitted = 0;
    for n in 0..20 {
        if limited_call(&http, &servers[n % 2].url(), "tls", n).await {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 10, "one limit across the replicas, through TLS");
    assert_eq!(redis.keys("sturdy:*:rl:tls").len(), 1);
    for s in &servers {
        assert_eq!(
            metric(&http, s, "sturdy_shared_store_outages_total").await,
            Some(0.0)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tls_redis_not_trusted_or_refusing_the_client_is_an_outage_not_a_shared_store() {
    let redis = RedisServer::start_tls();
    let files = redis.tls_files();
    // The public roots do not know the test's CA; with the CA but no client certificate, the
    // server refuses the client. Either way each replica decides alone, and says so.
    let untrusted = replicas_at(&redis.tls_url(), 1, &[("STURDY_REDIS_TIMEOUT", "0.5")]);
    let anonymous = replicas_at(
        &redis.tls_url(),
        1,
        &[
            ("STURDY_REDIS_TIMEOUT", "0.5"),
            ("STURDY_REDIS_CA_CERT", path_text(&files.ca_cert)),
        ],
    );
    let http = reqwest::Client::new();
    for (server, cause) in [
        (&untrusted[0], "UnknownIssuer"),
        (&anonymous[0], "CertificateRequired"),
    ] {
        let mut admitted = 0;
        for n in 0..12 {
            if limited_call(&http, &server.url(), "refused", n).await {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 10, "the replica's own limit");
        assert_eq!(
            metric(&http, server, "sturdy_shared_store_down").await,
            Some(1.0)
        );
        let log = server.stderr_so_far();
        assert!(
            log.contains("the shared store failed") && log.contains(cause),
            "{log}"
        );
    }
    assert!(redis.keys("sturdy:*").is_empty());
}

#[test]
fn bad_redis_settings_stop_start_up_naming_the_cause() {
    let binary = support::build_example("tool_server");
    let run = |env: &[(&str, &str)]| {
        let out = std::process::Command::new(&binary)
            .arg("--list")
            .envs(env.iter().copied())
            .output()
            .expect("run tool_server");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&[
        ("STURDY_REDIS_URL", "rediss://127.0.0.1:1"),
        ("STURDY_REDIS_CA_CERT", "/nonexistent/ca.pem"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("/nonexistent/ca.pem"), "{stderr}");
    let (code, stderr) = run(&[
        ("STURDY_REDIS_URL", "redis://127.0.0.1:1"),
        ("STURDY_REDIS_CA_CERT", "/tmp/ca.pem"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("need a rediss:// URL"), "{stderr}");
    let (code, stderr) = run(&[
        ("STURDY_REDIS_URL", "rediss://127.0.0.1:1"),
        ("STURDY_REDIS_CLIENT_CERT", "/tmp/client.pem"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("set both or neither"), "{stderr}");
    let (code, stderr) = run(&[(
        "STURDY_REDIS_URL",
        "redis://127.0.0.1:1,redis://127.0.0.1:2",
    )]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("STURDY_REDIS_CLUSTER=true"), "{stderr}");
    let (code, stderr) = run(&[
        ("STURDY_REDIS_URL", "redis://127.0.0.1:1"),
        ("STURDY_REDIS_CLUSTER", "maybe"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("STURDY_REDIS_CLUSTER=maybe"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_share_limits_and_caches_through_a_redis_cluster() {
    let cluster = RedisCluster::start(3);
    // One seed node: the replicas learn the others (and which holds which slot) from it.
    let seed = cluster.nodes[0].url();
    let servers = replicas_at(
        &seed,
        2,
        &[
            ("STURDY_REDIS_TIMEOUT", "2"),
            ("STURDY_REDIS_CLUSTER", "true"),
        ],
    );
    let http = reqwest::Client::new();
    // Eight clients, whose keys hash to slots all over the cluster: one limit each, across both
    // replicas.
    for client in 0..8 {
        let id = format!("client-{client}");
        let mut admitted = 0;
        for n in 0..15 {
            if limited_call(&http, &servers[n % 2].url(), &id, n).await {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 10, "{id}: one limit across the replicas");
    }
    let by_node = cluster.keys_by_node("sturdy:*:rl:*");
    assert_eq!(
        by_node.iter().map(Vec::len).sum::<usize>(),
        8,
        "{by_node:?}"
    );
    assert!(
        by_node.iter().filter(|keys| !keys.is_empty()).count() >= 2,
        "the keys live on several nodes: {by_node:?}"
    );
    // A value computed on one replica is a hit on the other.
    let args = json!({"name": "cached_expensive_operation",
                      "arguments": {"n": 50, "operation": "fibonacci"}});
    let first = request(&http, &servers[0].url(), "tools/call", args.clone()).await;
    let second = request(&http, &servers[1].url(), "tools/call", args).await;
    assert_eq!(first["structuredContent"]["cached"], false, "{first}");
    assert_eq!(second["structuredContent"]["cached"], true, "{second}");
    // A task made on one replica, read and cancelled through the other: its keys share one
    // hash tag, so each script stays in one slot.
    let with_tasks = |server: &HttpServer, method: &'static str, mut params: serde_json::Value| {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities":
                {"extensions": {"io.modelcontextprotocol/tasks": {}}},
        });
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let (http, url) = (&http, server.url());
        async move { json_of(post(http, &url, stateless_headers(), body).await).await["result"].clone() }
    };
    let created = with_tasks(
        &servers[0],
        "tools/call",
        json!({"name": "long_report", "arguments": {"minutes": 5}}),
    )
    .await;
    assert_eq!(created["resultType"], "task", "{created}");
    let task = json!({"taskId": created["taskId"]});
    let on_other = with_tasks(&servers[1], "tasks/get", task.clone()).await;
    assert_eq!(on_other["status"], "working", "{on_other}");
    with_tasks(&servers[1], "tasks/cancel", task.clone()).await;
    let cancelled = with_tasks(&servers[0], "tasks/get", task).await;
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    for s in &servers {
        assert_eq!(
            metric(&http, s, "sturdy_shared_store_outages_total").await,
            Some(0.0)
        );
    }
}
