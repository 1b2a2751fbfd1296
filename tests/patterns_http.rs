//! The example server's API, cache and rate-limit tools as a user runs them: the built `tool_server`
//! binary spoken to over its stdin/stdout, calling a local flaky HTTP server. Each test has its own
//! server process (policy state lives in the process) and its own HTTP server.

mod common;
mod example_client;
mod support;

use example_client::{is_error, text, ToolServer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ---------------------------------------------------------------- the flaky HTTP server

/// A local HTTP/1.1 server on 127.0.0.1 that counts the requests of each request target:
/// - `/ok`: 200 with a JSON body;
/// - `/flaky?fail=N…`: 503 for the first N requests of that exact target, then 200 JSON;
/// - `/down`: always 503; `/notfound`: 404; `/notjson`: 200 with an HTML body;
/// - `/slow?ms=N`: 200 JSON after N ms.
struct FlakyServer {
    base: String,
    hits: Arc<Mutex<HashMap<String, u32>>>,
}

impl FlakyServer {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let counts = hits.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve_connection(stream, counts.clone()));
            }
        });
        FlakyServer { base, hits }
    }

    fn url(&self, target: &str) -> String {
        format!("{}{target}", self.base)
    }

    /// Requests seen for this target (path and query).
    fn hits(&self, target: &str) -> u32 {
        self.hits.lock().unwrap().get(target).copied().unwrap_or(0)
    }

    fn total_hits(&self) -> u32 {
        self.hits.lock().unwrap().values().sum()
    }
}

/// Answers one request (the client sends GETs without bodies) and closes the connection.
async fn serve_connection(mut stream: TcpStream, hits: Arc<Mutex<HashMap<String, u32>>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1).unwrap_or("/").to_owned();
    let seen = {
        let mut hits = hits.lock().unwrap();
        let n = hits.entry(target.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let ok = |body: Value| (200, "application/json", body.to_string());
    let (status, content_type, body) = match path {
        "/ok" => ok(json!({"status": "ok"})),
        "/flaky" if u64::from(seen) <= param("fail").unwrap_or(0) => {
            (503, "text/plain", "try again later".to_owned())
        }
        "/flaky" => ok(json!({"status": "ok", "attempt": seen})),
        "/down" => (503, "text/plain", "down for maintenance".to_owned()),
        "/notfound" => (404, "text/plain", "no such thing".to_owned()),
        "/notjson" => (200, "text/html", "<html>hello</html>".to_owned()),
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(param("ms").unwrap_or(500))).await;
            ok(json!({"status": "ok", "slow": true}))
        }
        _ => (404, "text/plain", "unknown endpoint".to_owned()),
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Service Unavailable",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

// ---------------------------------------------------------------- resilient_api_call

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resilient_api_call_gets_json_through_transient_503s() {
    let http = FlakyServer::start().await;
    let mut tools = ToolServer::start().await;
    let r = tools
        .call("resilient_api_call", json!({"url": http.url("/ok")}))
        .await;
    assert!(!is_error(&r), "{r}");
    assert_eq!(
        r["structuredContent"],
        json!({"data": {"status": "ok"}, "status": "success"})
    );
    assert_eq!(http.hits("/ok"), 1);

    // Two 503s, then 200: three requests, one successful call (and the breaker is reset).
    let r = tools
        .call(
            "resilient_api_call",
            json!({"url": http.url("/flaky?fail=2")}),
        )
        .await;
    assert!(!is_error(&r), "{r}");
    assert_eq!(
        r["structuredContent"]["data"],
        json!({"status": "ok", "attempt": 3})
    );
    assert_eq!(http.hits("/flaky?fail=2"), 3);

    // Slow but within the timeout: one request, no duplicate.
    let r = tools
        .call(
            "resilient_api_call",
            json!({"url": http.url("/slow?ms=300")}),
        )
        .await;
    assert_eq!(r["structuredContent"]["data"]["slow"], true, "{r}");
    assert_eq!(http.hits("/slow?ms=300"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resilient_api_call_opens_the_circuit_and_stops_calling_the_server() {
    let http = FlakyServer::start().await;
    let mut tools = ToolServer::start().await;
    // Retries pass the breaker: attempts 1-3 fail with 503 and open it (threshold 3), so the
    // fourth attempt is rejected without a request and the call reports the open circuit.
    let r = tools
        .call("resilient_api_call", json!({"url": http.url("/down")}))
        .await;
    assert!(is_error(&r), "{r}");
    assert_eq!(
        r["_meta"]["dev.sturdy/error"]["error"], "circuit_open",
        "{r}"
    );
    assert_eq!(http.hits("/down"), 3);

    // While open: every call fails at once with retry_after, whatever the URL, and the HTTP server
    // sees nothing more.
    for target in ["/down", "/ok", "/down"] {
        let r = tools
            .call("resilient_api_call", json!({"url": http.url(target)}))
            .await;
        assert!(is_error(&r), "{r}");
        assert_eq!(
            r["_meta"]["dev.sturdy/error"]["error"], "circuit_open",
            "{r}"
        );
        let after = r["_meta"]["dev.sturdy/error"]["retry_after"]
            .as_f64()
            .unwrap();
        assert!(after > 25.0 && after <= 30.0, "retry_after {after}");
        assert!(text(&r).contains("circuit open"), "{r}");
    }
    assert_eq!(http.hits("/down"), 3);
    assert_eq!(http.total_hits(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resilient_api_call_does_not_retry_client_errors() {
    let http = FlakyServer::start().await;
    let mut tools = ToolServer::start().await;
    let url = http.url("/notfound");
    let r = tools
        .call("resilient_api_call", json!({"url": url.clone()}))
        .await;
    assert!(is_error(&r), "{r}");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "upstream");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["status"], 404);
    let message = r["_meta"]["dev.sturdy/error"]["message"].as_str().unwrap();
    assert!(message.contains("HTTP 404 Not Found"), "{message}");
    assert!(message.contains(&url), "{message}");
    assert_eq!(http.hits("/notfound"), 1, "a 404 is not retried");

    // A body that is not JSON will not become JSON: one request, a clear message.
    let r = tools
        .call("resilient_api_call", json!({"url": http.url("/notjson")}))
        .await;
    assert!(is_error(&r), "{r}");
    assert!(text(&r).contains("not JSON"), "{r}");
    assert_eq!(http.hits("/notjson"), 1);

    // A URL that is not http(s) is a bad argument, not a request.
    let r = tools
        .call("resilient_api_call", json!({"url": "ftp://127.0.0.1/x"}))
        .await;
    assert_eq!(
        r["_meta"]["dev.sturdy/error"]["error"], "invalid_arguments",
        "{r}"
    );
    assert_eq!(http.total_hits(), 2);

    // Answers are not outages: more 404s than the breaker's threshold leave the circuit closed.
    for _ in 0..4 {
        let r = tools
            .call("resilient_api_call", json!({"url": url.clone()}))
            .await;
        assert_eq!(r["_meta"]["dev.sturdy/error"]["status"], 404, "{r}");
    }
    let r = tools
        .call("resilient_api_call", json!({"url": http.url("/ok")}))
        .await;
    assert!(!is_error(&r), "the circuit is still closed: {r}");
}

// ---------------------------------------------------------------- retry_api_call

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_api_call_returns_the_last_error_after_one_plus_max_attempts() {
    let http = FlakyServer::start().await;
    let mut tools = ToolServer::start().await;
    let url = http.url("/down");
    let r = tools
        .call("retry_api_call", json!({"url": url.clone()}))
        .await;
    assert!(is_error(&r), "{r}");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "upstream");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["status"], 503);
    let message = r["_meta"]["dev.sturdy/error"]["message"].as_str().unwrap();
    assert!(message.contains("HTTP 503"), "{message}");
    assert!(message.contains(&url), "{message}");
    assert_eq!(http.hits("/down"), 1 + 3);

    // No breaker here: the next call tries again (and recovers once the server does).
    let r = tools
        .call("retry_api_call", json!({"url": http.url("/flaky?fail=3")}))
        .await;
    assert_eq!(r["structuredContent"]["data"]["attempt"], 4, "{r}");
    assert_eq!(r["structuredContent"]["status"], "success", "{r}");
    assert_eq!(http.hits("/flaky?fail=3"), 4);

    let r = tools
        .call("retry_api_call", json!({"url": http.url("/notfound")}))
        .await;
    assert!(text(&r).contains("404"), "{r}");
    assert_eq!(http.hits("/notfound"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_api_call_retries_connection_failures() {
    // A port that was just free: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut tools = ToolServer::start().await;
    let url = format!("http://127.0.0.1:{port}/ok");
    let start = std::time::Instant::now();
    let r = tools.call("retry_api_call", json!({"url": url})).await;
    assert!(is_error(&r), "{r}");
    let message = text(&r);
    assert!(message.contains("could not connect"), "{message}");
    assert!(message.contains(&url), "{message}");
    // Three backoff waits of at least 0.5, 1 and 2 s (base 1 s, halved at most by jitter).
    assert!(start.elapsed() >= Duration::from_millis(3500), "retried");
}

// ---------------------------------------------------------------- cached computations

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fibonacci_and_prime_check_are_right_and_cached() {
    let mut tools = ToolServer::start().await;
    for (n, expected) in [
        (0, "0"),
        (1, "1"),
        (10, "55"),
        (93, "12200160415121876738"),
        (186, "332825110087067562321196029789634457848"),
    ] {
        let first = tools.call("fibonacci", json!({"n": n})).await;
        assert_eq!(
            first["structuredContent"],
            json!({"n": n, "value": expected}),
            "{first}"
        );
        assert!(first.get("_meta").is_none(), "first call computes: {first}");
        let second = tools.call("fibonacci", json!({"n": n})).await;
        assert_eq!(second["structuredContent"], first["structuredContent"]);
        assert_eq!(second["_meta"]["dev.sturdy/cache"], "hit", "{second}");
    }
    // Too large: an error, and errors are not cached (the second call runs again).
    for _ in 0..2 {
        let r = tools.call("fibonacci", json!({"n": 187})).await;
        assert!(is_error(&r), "{r}");
        assert!(r["_meta"].get("dev.sturdy/cache").is_none(), "{r}");
        assert_eq!(
            r["_meta"]["dev.sturdy/error"]["error"], "invalid_arguments",
            "{r}"
        );
        assert!(
            r["content"][0]["text"].as_str().unwrap().contains("186"),
            "{r}"
        );
    }

    for (n, prime) in [
        (0u64, false),
        (1, false),
        (2, true),
        (91, false),
        (97, true),
        (561, false), // a Carmichael number
        (1_000_000_007, true),
        (3_215_031_751, false), // a strong pseudoprime to bases 2, 3, 5 and 7
        (18_446_744_073_709_551_557, true), // the largest 64-bit prime
        (u64::MAX, false),
    ] {
        let first = tools.call("prime_check", json!({"n": n})).await;
        assert_eq!(
            first["structuredContent"],
            json!({"n": n, "is_prime": prime}),
            "{first}"
        );
        assert!(first.get("_meta").is_none(), "first call computes: {first}");
        let second = tools.call("prime_check", json!({"n": n})).await;
        assert_eq!(second["structuredContent"], first["structuredContent"]);
        assert_eq!(second["_meta"]["dev.sturdy/cache"], "hit", "{second}");
    }
}

// ---------------------------------------------------------------- rate limiting

/// The reference pattern: `cached_expensive_operation(n, operation)`, cached per (n, operation),
/// saying `cached: true` on a hit, falsy results included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_expensive_operation_says_when_it_was_cached() {
    let mut tools = ToolServer::start().await;
    for (n, operation, result) in [
        (0, "fibonacci", json!(0)),
        (0, "prime_check", json!(false)),
        (2, "fibonacci", json!(1)),
        (2, "prime_check", json!(true)),
        (93, "fibonacci", json!(12_200_160_415_121_876_738u64)),
    ] {
        let args = json!({"n": n, "operation": operation});
        let first = tools.call("cached_expensive_operation", args.clone()).await;
        assert_eq!(
            first["structuredContent"],
            json!({"result": result, "cached": false, "status": "success"}),
            "{args}: {first}"
        );
        let second = tools.call("cached_expensive_operation", args.clone()).await;
        assert_eq!(
            second["structuredContent"],
            json!({"result": result, "cached": true, "status": "success"}),
            "{args}: {second}"
        );
        assert_eq!(second["_meta"]["dev.sturdy/cache"], "hit", "{second}");
    }
    let r = tools
        .call(
            "cached_expensive_operation",
            json!({"n": 5, "operation": "square_root"}),
        )
        .await;
    assert!(is_error(&r), "{r}");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "invalid_arguments");
    assert!(text(&r).contains("`operation`"), "{r}");
    let r = tools
        .call(
            "cached_expensive_operation",
            json!({"n": 94, "operation": "fibonacci"}),
        )
        .await;
    assert!(is_error(&r), "{r}");
    assert!(text(&r).contains("93"), "{r}");
}

// ---------------------------------------------------------------- rate limiting

/// The reference pattern: 10 calls per 60 s per `client_id` (default `"default"`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_operation_rejects_beyond_its_limit_with_retry_after() {
    let mut tools = ToolServer::start().await;
    for i in 0..10 {
        let r = tools
            .call(
                "rate_limited_operation",
                json!({"data": format!("job {i}"), "client_id": "alice"}),
            )
            .await;
        assert!(!is_error(&r), "call {i}: {r}");
        assert_eq!(
            r["structuredContent"],
            json!({"result": format!("Processed: job {i}"), "status": "success", "client": "alice"})
        );
    }
    let r = tools
        .call(
            "rate_limited_operation",
            json!({"data": "one too many", "client_id": "alice"}),
        )
        .await;
    assert!(is_error(&r), "{r}");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "rate_limited");
    let after = r["_meta"]["dev.sturdy/error"]["retry_after"]
        .as_f64()
        .unwrap();
    assert!(after > 50.0 && after <= 60.0, "retry_after {after}");
    assert!(
        text(&r).starts_with("rate limited: too many calls, retry after"),
        "{r}"
    );
    // Another client_id has its own quota; without one, the quota is "default"'s.
    let r = tools
        .call(
            "rate_limited_operation",
            json!({"data": "x", "client_id": "bob"}),
        )
        .await;
    assert!(!is_error(&r), "{r}");
    let r = tools
        .call("rate_limited_operation", json!({"data": "x"}))
        .await;
    assert_eq!(r["structuredContent"]["client"], "default", "{r}");
}

/// The production form: keyed by the caller's identity, which a `client_id` argument cannot change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_per_client_counts_the_caller() {
    let mut tools = ToolServer::start().await;
    for i in 0..10 {
        let r = tools
            .call(
                "rate_limited_per_client",
                json!({"data": format!("job {i}")}),
            )
            .await;
        assert!(!is_error(&r), "call {i}: {r}");
        assert_eq!(r["structuredContent"]["client"], "example-test");
    }
    let r = tools
        .call("rate_limited_per_client", json!({"data": "one too many"}))
        .await;
    assert_eq!(
        r["_meta"]["dev.sturdy/error"]["error"], "rate_limited",
        "{r}"
    );
}

#[test]
fn list_tools_shows_the_pattern_tools_and_their_policies() {
    let tools = support::list_tools("tool_server");
    let policies = |name: &str| -> Vec<Value> {
        let tool = tools
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(!tool["description"].as_str().unwrap().is_empty());
        tool["policies"].as_array().unwrap().clone()
    };
    let kinds = |name: &str| -> Vec<String> {
        policies(name)
            .iter()
            .map(|p| p["policy"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        kinds("resilient_api_call"),
        ["retry", "circuit_breaker", "timeout"]
    );
    let breaker = &policies("resilient_api_call")[1];
    assert_eq!(
        (
            &breaker["threshold"],
            &breaker["recovery"],
            &breaker["when"]
        ),
        (&json!(3), &json!(30.0), &json!(true))
    );
    assert_eq!(policies("resilient_api_call")[0]["max"], 3);
    // No `when =`: the default decides, and an `upstream` error knows whether it is transient.
    assert_eq!(policies("resilient_api_call")[0]["when"], false);
    assert_eq!(kinds("retry_api_call"), ["retry"]);
    let retry = &policies("retry_api_call")[0];
    assert_eq!(
        (&retry["max"], &retry["base"], &retry["jitter"]),
        (&json!(3), &json!(1.0), &json!(true))
    );
    assert_eq!(kinds("cached_expensive_operation"), Vec::<String>::new());
    assert_eq!(kinds("fibonacci"), ["cached"]);
    assert_eq!(policies("prime_check")[0]["ttl"], 300.0);
    assert_eq!(
        policies("rate_limited_operation"),
        [json!({"policy": "rate_limited", "limit": 10, "window": 60.0, "key": "param:client_id"})]
    );
    assert_eq!(
        policies("rate_limited_per_client"),
        [json!({"policy": "rate_limited", "limit": 10, "window": 60.0, "key": "client"})]
    );
}
