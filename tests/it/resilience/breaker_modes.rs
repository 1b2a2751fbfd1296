//! Failure-rate breakers, `when` predicates, and parameter keys of any type.

use super::*;

static INTERMITTENT_CALLS: AtomicU32 = AtomicU32::new(0);

#[circuit_breaker(failure_rate = 0.5, window = 10, min_calls = 6, recovery = 60)]
async fn intermittent(fail: bool) -> Result<(), ToolError> {
    INTERMITTENT_CALLS.fetch_add(1, SeqCst);
    if fail {
        Err(ToolError::new("flaky"))
    } else {
        Ok(())
    }
}

#[tokio::test]
async fn failure_rate_mode_opens_on_intermittent_failures_that_are_never_consecutive() {
    for k in 0..5 {
        let _ = intermittent(k % 2 == 0).await;
    }
    assert_eq!(
        breaker_state("::intermittent"),
        CircuitState::Closed,
        "5 calls < min_calls"
    );
    let _ = intermittent(false).await;
    assert_eq!(
        breaker_state("::intermittent"),
        CircuitState::Open,
        "3 of 6 calls failed, none twice in a row"
    );
    let e = intermittent(false).await.unwrap_err();
    assert!(matches!(e, ToolError::CircuitOpen { .. }), "{e:?}");
    assert_eq!(INTERMITTENT_CALLS.load(SeqCst), 6, "not called while open");
}

fn is_outage(e: &ToolError) -> bool {
    e.is_retryable()
}

static STATUS_CALLS: AtomicU32 = AtomicU32::new(0);

#[circuit_breaker(threshold = 2, recovery = 60, when = is_outage)]
async fn status_call(status: u16) -> Result<(), ToolError> {
    STATUS_CALLS.fetch_add(1, SeqCst);
    Err(ToolError::Upstream {
        message: format!("HTTP {status}"),
        status: Some(status),
        instance: None,
        transient: status >= 500,
    })
}

#[tokio::test]
async fn breaker_when_decides_which_errors_count_as_failures() {
    for _ in 0..10 {
        let _ = status_call(404).await;
    }
    assert_eq!(
        breaker_state("::status_call"),
        CircuitState::Closed,
        "a 404 is an answer, not an outage"
    );
    let _ = status_call(503).await;
    // A 404 between two 503s is a success for the breaker: the failures are not consecutive.
    let _ = status_call(404).await;
    let _ = status_call(503).await;
    assert_eq!(breaker_state("::status_call"), CircuitState::Closed);
    let _ = status_call(503).await;
    assert_eq!(breaker_state("::status_call"), CircuitState::Open);
    assert!(matches!(
        status_call(404).await,
        Err(ToolError::CircuitOpen { .. })
    ));
    assert_eq!(STATUS_CALLS.load(SeqCst), 14);
}

#[rate_limited(1, 60, key = user)]
async fn keyed_by_text(user: String) -> Result<usize, ToolError> {
    Ok(user.len())
}

#[rate_limited(1, 60, key = id)]
async fn keyed_by_number(id: u64) -> Result<u64, ToolError> {
    Ok(id)
}

#[tokio::test]
async fn parameter_keys_of_any_length_and_type_are_distinct() {
    // Keys longer than the stack buffer take the allocating path; they differ only at the end.
    let long = "x".repeat(100);
    for key in ["a".to_owned(), format!("{long}1"), format!("{long}2")] {
        keyed_by_text(key.clone()).await.unwrap();
        assert!(
            matches!(keyed_by_text(key).await, Err(ToolError::RateLimited { .. })),
            "the second call of a key is limited"
        );
    }
    for id in [0, u64::MAX] {
        keyed_by_number(id).await.unwrap();
        assert!(keyed_by_number(id).await.is_err());
    }
    let stats = policies_for("::keyed_by_text").unwrap().stats();
    assert_eq!(stats["rate_limited"]["keys"], 3, "{stats}");
}
