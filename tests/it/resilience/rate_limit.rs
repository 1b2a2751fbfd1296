//! `#[rate_limited]`: never more than N in any window under threads, isolated keys, bounded memory.

use super::*;

static ADMITTED: Mutex<Vec<Instant>> = Mutex::new(Vec::new());

#[rate_limited(20, "300ms", key = global)]
async fn hammered() -> Result<(), ToolError> {
    ADMITTED.lock().unwrap().push(Instant::now());
    Ok(())
}

#[test]
fn rate_limit_never_admits_more_than_n_in_any_window_under_8_threads() {
    let stop = Instant::now() + Duration::from_millis(1500);
    let rejected = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let rejected = rejected.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    while Instant::now() < stop {
                        if let Err(e) = hammered().await {
                            assert!(matches!(e, ToolError::RateLimited { .. }));
                            rejected.fetch_add(1, SeqCst);
                        }
                    }
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut times = ADMITTED.lock().unwrap().clone();
    times.sort();
    assert!(rejected.load(SeqCst) > 0);
    assert!(times.len() >= 20 * 4, "{} admitted", times.len());
    // Admissions are recorded just after the limiter decided; allow that much skew.
    let window = Duration::from_millis(300) - Duration::from_millis(30);
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..].iter().take_while(|u| **u - *t < window).count();
        assert!(
            in_window <= 20,
            "{in_window} calls admitted within {window:?}"
        );
    }
}

#[rate_limited(3, 60, key = user)]
async fn per_user(user: String) -> Result<String, ToolError> {
    Ok(user)
}

#[tokio::test]
async fn rate_limit_keys_are_isolated_and_retry_after_is_accurate() {
    let start = Instant::now();
    for _ in 0..3 {
        per_user("alice".into()).await.unwrap();
    }
    let e = per_user("alice".into()).await.unwrap_err();
    let ToolError::RateLimited { retry_after } = e else {
        panic!("expected RateLimited, got {e:?}")
    };
    let elapsed = start.elapsed();
    assert!(retry_after <= Duration::from_secs(60) - elapsed + Duration::from_millis(1));
    assert!(retry_after >= Duration::from_secs(59), "{retry_after:?}");
    assert_eq!(per_user("bob".into()).await.unwrap(), "bob");
    let stats = policies_for("::per_user").unwrap().stats();
    assert_eq!(stats["rate_limited"]["rejected"], 1, "{stats}");
}

#[rate_limited(1, 60, key = key)]
async fn million_keys(key: u64) -> Result<(), ToolError> {
    let _ = key;
    Ok(())
}

#[tokio::test]
async fn rate_limit_memory_stays_bounded_with_1m_distinct_keys() {
    for k in 0..1_000_000u64 {
        million_keys(k).await.unwrap();
    }
    let stats = policies_for("::million_keys").unwrap().stats();
    let keys = stats["rate_limited"]["keys"].as_u64().unwrap();
    assert!(keys <= 100_000, "{keys} keys tracked");
}
