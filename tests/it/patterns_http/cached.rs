//! The cached computations: right answers, cached, and saying so.

use super::*;

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
