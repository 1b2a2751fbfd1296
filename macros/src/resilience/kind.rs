//! The resilience attributes by name: the one table the macros consult.

/// The six attributes, in pipeline order (outermost first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    RateLimited,
    Cached,
    Retry,
    CircuitBreaker,
    Timeout,
    Bulkhead,
}

/// Each attribute's name as users write it.
const NAMES: [(&str, Kind); 6] = [
    ("rate_limited", Kind::RateLimited),
    ("cached", Kind::Cached),
    ("retry", Kind::Retry),
    ("circuit_breaker", Kind::CircuitBreaker),
    ("timeout", Kind::Timeout),
    ("bulkhead", Kind::Bulkhead),
];

impl Kind {
    /// The attribute `attr` names, by its last path segment (`retry`, `sturdy::retry`).
    pub(crate) fn of(attr: &syn::Attribute) -> Option<Kind> {
        let name = attr.path().segments.last()?.ident.to_string();
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// The name users write.
    pub(crate) fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .expect("every kind is in the table")
    }
}
