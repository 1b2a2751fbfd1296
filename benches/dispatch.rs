//! In-process `tools/call` dispatch: parse the request, route, deserialise the arguments, call
//! `add`, serialise the response, against a hand-written serde_json loop doing the same work with
//! no framework (the floor). Report: `cargo bench --bench dispatch`; compare the two times.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::Value;
use std::hint::black_box;
use sturdy::mcp::{Server, ServerInfo, Session};
use sturdy::prelude::*;

const REQUEST: &[u8] =
    br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}"#;

/// What a hand-written server would do for the same request and response shape.
fn floor(request: &[u8]) -> Vec<u8> {
    let req: Value = serde_json::from_slice(request).unwrap();
    serde_json::to_vec(&common::floor_response(&req)).unwrap()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = Server::new(
        Registry::from_inventory().unwrap(),
        ServerInfo::new("bench", "1"),
    );
    let session = Session::default();
    // Both produce the same response (up to key order).
    let ours: Value =
        serde_json::from_slice(&rt.block_on(server.handle(&session, REQUEST)).unwrap()).unwrap();
    let theirs: Value = serde_json::from_slice(&floor(REQUEST)).unwrap();
    assert_eq!(ours, theirs);

    let mut g = c.benchmark_group("tools_call_add");
    g.bench_function("hand_written_serde_json", |b| {
        b.iter(|| floor(black_box(REQUEST)))
    });
    g.bench_function("sturdy_dispatch", |b| {
        b.to_async(&rt)
            .iter(|| async { server.handle(&session, black_box(REQUEST)).await })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
