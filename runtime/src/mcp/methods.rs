//! The methods this server answers, by kind of request: the one table dispatch routes by and the
//! HTTP transport answers 404 from.

/// Whether a request for `method` is served. Stateless (2026-07-28) requests have no handshake,
/// ping or session log level: `initialize`, `ping` and `logging/setLevel` are not methods there;
/// `subscriptions/listen` exists only there.
pub(crate) fn is_served(method: &str, stateless: bool) -> bool {
    match method {
        "tools/list" | "tools/call" | "server/discover" => true,
        "resources/list" | "resources/templates/list" | "resources/read" => true,
        "prompts/list" | "prompts/get" | "completion/complete" => true,
        "initialize" | "ping" | "logging/setLevel" => !stateless,
        // 2026-07-28 subscribes on a listen stream instead.
        "resources/subscribe" | "resources/unsubscribe" => !stateless,
        // 2025 sessions hear of changes on their own channel instead.
        "subscriptions/listen" => stateless,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_served;

    #[test]
    fn the_handshake_methods_exist_only_in_sessions() {
        for method in ["initialize", "ping", "logging/setLevel"] {
            assert!(is_served(method, false), "{method}");
            assert!(!is_served(method, true), "{method}");
        }
        for method in ["tools/list", "tools/call", "server/discover"] {
            assert!(
                is_served(method, false) && is_served(method, true),
                "{method}"
            );
        }
        for method in ["no/such", ""] {
            assert!(
                !is_served(method, false) && !is_served(method, true),
                "{method}"
            );
        }
    }
}
