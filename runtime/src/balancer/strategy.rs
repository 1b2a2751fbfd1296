//! How a balancer chooses among the instances whose breaker admits calls.

use std::fmt;

/// How a [`LoadBalancer`](super::LoadBalancer) chooses among the instances whose breaker admits calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// In turn, by a shared atomic counter: with every instance healthy, `k · n` picks give each
    /// of the `n` instances exactly `k`, however many threads pick. An instance that is skipped
    /// (open breaker) passes its turn to the next one.
    RoundRobin,
    /// Uniformly at random.
    Random,
    /// At random, in proportion to the instances' weights (see
    /// [`set_weight`](super::LoadBalancer::set_weight)); an instance of weight 0 is not picked. Only this
    /// strategy looks at weights.
    Weighted,
    /// The instance with the fewest calls in progress (picks not yet dropped); ties are broken at
    /// random.
    LeastOutstanding,
    /// Two distinct instances at random, then the one with fewer calls in progress: nearly as good
    /// as least-outstanding, without scanning every instance.
    PowerOfTwoChoices,
}

impl Strategy {
    /// Every strategy.
    pub const ALL: [Strategy; 5] = [
        Strategy::RoundRobin,
        Strategy::Random,
        Strategy::Weighted,
        Strategy::LeastOutstanding,
        Strategy::PowerOfTwoChoices,
    ];
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::RoundRobin => "round_robin",
            Strategy::Random => "random",
            Strategy::Weighted => "weighted",
            Strategy::LeastOutstanding => "least_outstanding",
            Strategy::PowerOfTwoChoices => "power_of_two_choices",
        })
    }
}

impl std::str::FromStr for Strategy {
    type Err = String;

    /// The names [`Display`](fmt::Display) prints: `round_robin`, `random`, `weighted`,
    /// `least_outstanding`, `power_of_two_choices`.
    ///
    /// ```
    /// use sturdy_runtime::balancer::Strategy;
    /// assert_eq!("least_outstanding".parse(), Ok(Strategy::LeastOutstanding));
    /// assert!("fastest".parse::<Strategy>().unwrap_err().contains("round_robin"));
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        let all = Strategy::ALL;
        all.into_iter().find(|k| k.to_string() == s).ok_or_else(|| {
            let names: Vec<String> = all.iter().map(ToString::to_string).collect();
            format!("unknown strategy {s:?}; one of {}", names.join(", "))
        })
    }
}
