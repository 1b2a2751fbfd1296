//! Caps that keep one client from taking the server: every running call counts against the
//! concurrency cap until it ends, streamed or not, whether or not its client still reads; a client
//! flooding `initialize` only replaces its own sessions; a client parking calls without end only
//! blocks itself.

mod common;

use common::http::{
    as_user, json_of, mcp_headers, open_session, post, stateless_headers, stateless_meta,
    tokens_for, with_session, TestServer,
};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use sturdy::prelude::*;
use sturdy::transport::http::HttpOptions;

/// Asks the user for a name.
#[tool]
async fn ask_name(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .elicit("Name?", json!({"type": "object", "properties": {}}))
        .await?;
    Ok(format!("{:?}", answer.action))
}

/// Sends `n` progress notifications (about 150 bytes each), then answers.
#[tool]
async fn chatty(ctx: Context, n: u32) -> String {
    for i in 0..n {
        ctx.progress(f64::from(i), None, Some("working on it, step by step"))
            .await;
    }
    "said it all".into()
}

/// At most 2 calls a minute per client.
#[tool]
#[rate_limited(2, 60)]
async fn twice_a_minute(ctx: Context) -> Result<String, ToolError> {
    Ok(ctx.client_id().to_owned())
}

/// Who the server takes the caller for.
#[tool]
async fn who_calls(ctx: Context) -> String {
    ctx.client_id().to_owned()
}

fn session_of(sid: &str, who: &str) -> HeaderMap {
    as_user(with_session(sid), who)
}

/// Reports progress once, then works for `ms` milliseconds.
#[tool]
async fn crawl(ctx: Context, ms: u64) -> String {
    ctx.progress(1.0, None, Some("started")).await;
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "done".into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_calls_hold_their_place_under_the_cap_until_they_end() {
    let server = TestServer::start(HttpOptions {
        max_concurrent_requests: 2,
        ..Default::default()
    })
    .await;
    let client = reqwest::Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    let started = Instant::now();
    // Two streamed calls: their clients read the first event and hang up; the calls go on.
    for id in 0..2 {
        let mut r = client
            .post(&url)
            .headers(with_session(&sid))
            .body(
                json!({"jsonrpc": "2.0", "id": 10 + id, "method": "tools/call", "params": {
                    "name": "crawl", "arguments": {"ms": 1500},
                    "_meta": {"progressToken": id}}})
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.chunk().await.unwrap().is_some(), "the stream started");
        drop(r);
    }
    let ping = || {
        client
            .post(&url)
            .headers(with_session(&sid))
            .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
            .send()
    };
    // Both places are taken while the calls run.
    let r = ping().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "checked while they ran"
    );
    // Once they end, the places are free again.
    tokio::time::sleep(
        Duration::from_millis(1500).saturating_sub(started.elapsed()) + Duration::from_millis(500),
    )
    .await;
    let r = ping().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_flooding_initialize_replaces_only_its_own_sessions() {
    let server = TestServer::start(HttpOptions {
        bearer_tokens: tokens_for(&["alice", "bob"]),
        max_sessions: 50,
        max_sessions_per_client: 10,
        ..Default::default()
    })
    .await;
    let client = reqwest::Client::new();
    let url = server.url();
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let bob = open_session(&client, &url, as_user(mcp_headers(), "bob")).await;
    let mut alice = Vec::new();
    for _ in 0..200 {
        alice.push(open_session(&client, &url, as_user(mcp_headers(), "alice")).await);
    }
    // Bob is not locked out, and his session lives on.
    let r = post(&client, &url, session_of(&bob, "bob"), ping.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let fresh = open_session(&client, &url, as_user(mcp_headers(), "bob")).await;
    let r = post(&client, &url, session_of(&fresh, "bob"), ping.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Alice keeps her 10 most recent sessions.
    let mut live = Vec::new();
    for (i, sid) in alice.iter().enumerate() {
        let r = post(&client, &url, session_of(sid, "alice"), ping.clone()).await;
        if r.status() == StatusCode::OK {
            live.push(i);
        }
    }
    assert_eq!(live, (190..200).collect::<Vec<_>>());
    server.shutdown().await;
}

#[tokio::test]
async fn hundreds_of_sessions_from_one_address_work_by_default() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = reqwest::Client::new();
    let url = server.url();
    let mut sessions = Vec::new();
    for _ in 0..300 {
        sessions.push(open_session(&client, &url, mcp_headers()).await);
    }
    for sid in &sessions {
        let r = post(
            &client,
            &url,
            with_session(sid),
            json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_parking_calls_without_end_only_blocks_itself() {
    let server = TestServer::start(HttpOptions {
        bearer_tokens: tokens_for(&["alice", "bob"]),
        ..Default::default()
    })
    .await;
    let client = reqwest::Client::new();
    let url = server.url();
    let mut meta = stateless_meta();
    meta["io.modelcontextprotocol/clientCapabilities"] = json!({"elicitation": {}});
    let ask = json!({"name": "ask_name", "arguments": {}, "_meta": meta});
    let call = |who: &'static str, id: usize| {
        let (client, url, ask) = (client.clone(), url.clone(), ask.clone());
        async move {
            let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": ask});
            json_of(post(&client, &url, as_user(stateless_headers(), who), body).await).await
        }
    };
    for id in 0..sturdy::mcp::MAX_PARKED_PER_CLIENT {
        let r = call("alice", id).await;
        assert_eq!(r["result"]["resultType"], "input_required", "{r}");
    }
    // Alice's next question has no room: it fails at once and her tool answers.
    let r = call("alice", 9999).await;
    assert_eq!(r["result"]["resultType"], "complete", "{r}");
    assert_eq!(r["result"]["_meta"]["dev.sturdy/error"]["error"], "client");
    // Bob still gets to ask.
    let r = call("bob", 10_000).await;
    assert_eq!(r["result"]["resultType"], "input_required", "{r}");
    server.shutdown().await;
}

/// Without authentication the `client` rate-limit key over HTTP is the peer address: renaming
/// the client or opening a new session is no new quota.
#[tokio::test]
async fn without_tokens_the_client_is_its_address_whatever_it_calls_itself() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = reqwest::Client::new();
    let url = server.url();
    let call = |name: &str| {
        let meta = common::rpc::meta_2026_as(name);
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
               "params": {"name": "twice_a_minute", "arguments": {}, "_meta": meta}})
    };
    let mut outcomes = Vec::new();
    for name in ["a", "b", "c"] {
        let r = json_of(post(&client, &url, stateless_headers(), call(name)).await).await;
        outcomes.push(r["result"]["isError"] == true);
        if r["result"]["isError"] != true {
            assert_eq!(r["result"]["content"][0]["text"], "peer:127.0.0.1", "{r}");
        }
    }
    // A session from the same address shares the quota too.
    let sid = open_session(&client, &url, mcp_headers()).await;
    let r = json_of(
        post(
            &client,
            &url,
            with_session(&sid),
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                   "params": {"name": "twice_a_minute", "arguments": {}}}),
        )
        .await,
    )
    .await;
    outcomes.push(r["result"]["isError"] == true);
    assert_eq!(outcomes, [false, false, true, true]);
    server.shutdown().await;
}

/// Behind a trusted proxy (`client_address_header`) the client is the header's last hop: each
/// address its own quota, whatever hops a client prepends; a request without the header is its
/// connection's peer, as always.
#[tokio::test]
async fn behind_a_proxy_the_client_is_the_last_hop_of_its_header() {
    let server = TestServer::start(HttpOptions {
        client_address_header: Some("x-forwarded-for".into()),
        ..Default::default()
    })
    .await;
    let client = reqwest::Client::new();
    let url = server.url();
    let call = |tool: &'static str, forwarded: Option<&'static str>| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let mut headers = stateless_headers();
            if let Some(hops) = forwarded {
                headers.insert("x-forwarded-for", hops.parse().unwrap());
            }
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                              "params": {"name": tool, "arguments": {},
                                         "_meta": common::rpc::meta_2026_as("c")}});
            let r = json_of(post(&client, &url, headers, body).await).await;
            match r["result"]["isError"] == true {
                true => None,
                false => Some(
                    r["result"]["content"][0]["text"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                ),
            }
        }
    };
    let a = Some("10.9.9.9, 203.0.113.5");
    let limited = |forwarded| call("twice_a_minute", forwarded);
    assert_eq!(limited(a).await.as_deref(), Some("peer:203.0.113.5"));
    // Another first hop is the same client: the proxy's own hop is the one that counts.
    let a_again = Some("192.0.2.1, 203.0.113.5");
    assert_eq!(limited(a_again).await.as_deref(), Some("peer:203.0.113.5"));
    assert_eq!(
        limited(a).await,
        None,
        "the third call of one address is refused"
    );
    let b = Some("203.0.113.6");
    assert_eq!(limited(b).await.as_deref(), Some("peer:203.0.113.6"));
    // Without the header: the connection's peer (asked of a tool without a quota, which the
    // other tests of this address use).
    let peer = call("who_calls", None).await;
    assert_eq!(peer.as_deref(), Some("peer:127.0.0.1"));
    server.shutdown().await;
}

/// Stateless requests of different callers on one kept-alive connection (a proxy's, say) are
/// each served as their own caller: the connection keeps a session for its first caller only.
#[tokio::test]
async fn callers_sharing_a_connection_are_each_themselves() {
    let server = TestServer::start(HttpOptions {
        bearer_tokens: tokens_for(&["alice", "bob"]),
        ..Default::default()
    })
    .await;
    // One connection at most, reused for every request.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let url = server.url();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "who_calls", "arguments": {},
                                 "_meta": stateless_meta()}});
    for who in ["alice", "bob", "alice", "alice", "bob"] {
        let headers = as_user(stateless_headers(), who);
        let r = json_of(post(&client, &url, headers, body.clone()).await).await;
        assert_eq!(r["result"]["content"][0]["text"], who, "{r}");
    }
    server.shutdown().await;
}

/// Finished streams are kept for resumption only within the client's budget: a client whose
/// sessions hold too much finds its newest finished stream gone, another client is unaffected.
#[tokio::test]
async fn finished_streams_are_kept_within_the_clients_budget() {
    let server = TestServer::start(HttpOptions {
        bearer_tokens: tokens_for(&["alice", "bob"]),
        kept_stream_bytes_per_client: 4_000,
        ..Default::default()
    })
    .await;
    let client = reqwest::Client::new();
    let url = server.url();
    // A streamed call of about 1.6 kB, read to its end; then whether it can be resumed.
    let streamed_call_then_resume = |who: &'static str, sid: String, stream: u32| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let r = post(
                &client,
                &url,
                session_of(&sid, who),
                json!({"jsonrpc": "2.0", "id": stream, "method": "tools/call", "params": {
                    "name": "chatty", "arguments": {"n": 10}, "_meta": {"progressToken": 1}}}),
            )
            .await;
            let body = r.text().await.unwrap();
            assert!(body.contains("said it all"), "{body}");
            client
                .get(&url)
                .headers(session_of(&sid, who))
                .header("accept", "text/event-stream")
                .header("last-event-id", format!("{stream}-0"))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let alice = open_session(&client, &url, as_user(mcp_headers(), "alice")).await;
    let mut kept = Vec::new();
    for stream in 1..=4 {
        kept.push(
            streamed_call_then_resume("alice", alice.clone(), stream).await == StatusCode::OK,
        );
    }
    assert_eq!(kept, [true, true, false, false], "within 4 kB: two streams");
    let bob = open_session(&client, &url, as_user(mcp_headers(), "bob")).await;
    assert_eq!(
        streamed_call_then_resume("bob", bob, 1).await,
        StatusCode::OK,
        "bob has a budget of his own"
    );
    server.shutdown().await;
}
