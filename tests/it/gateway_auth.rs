//! `sturdy-gateway` with authentication on: callers bring access tokens from a real
//! authorization server (`oidc-provider`), per-tool `scopes` decide who sees and calls what, and
//! the upstream sees the gateway's own credential (from its configuration), never a caller's.

use crate::support;
use crate::support::oidc::AuthorizationServer;
use serde_json::json;
use std::time::Duration;
use sturdy::client::Client;

/// The tool names `client` is shown.
async fn names(client: &Client) -> Vec<String> {
    support::sorted(&client.list_tools().await.unwrap(), "name")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_decide_who_calls_what_and_upstream_credentials_stay_the_gateways() {
    let issuer = AuthorizationServer::start("http://127.0.0.1:9/unused", "RS256");
    // The upstream takes one static token, the gateway's, and knows its holder as `gateway`.
    let upstream = support::HttpServer::start_with_env(
        &support::build_example("tool_server"),
        &[("STURDY_BEARER_TOKENS", "gateway:upstream-secret")],
    );
    let (_dir, config) = support::temp::file(
        "gateway.toml",
        &format!(
            "name = \"g\"\n[upstreams.example]\nurl = {:?}\n\
             headers = {{ Authorization = \"Bearer ${{UPSTREAM_TOKEN}}\" }}\n\
             tools = {{ allow = [\"add\", \"whoami\"] }}\n\
             [upstreams.example.tool.add]\nscopes = [\"notes:write\"]\n",
            upstream.url()
        ),
    );
    let config = config.to_string_lossy().into_owned();
    let gateway = support::HttpServer::start_with_env(
        &support::build_gateway(),
        &[
            ("STURDY_GATEWAY_CONFIG", config.as_str()),
            ("STURDY_AUTH_ISSUER", issuer.issuer.as_str()),
            ("UPSTREAM_TOKEN", "upstream-secret"),
        ],
    );
    let url = gateway.url();
    let as_holder = |token: String| {
        Client::builder()
            .timeout(Duration::from_secs(30))
            .header("Authorization", &format!("Bearer {token}"))
            .http(&url)
    };

    // Without a token: refused.
    assert!(Client::builder().http(&url).await.is_err());

    // bob may only read: he does not see `add`, and calling it is refused.
    let bob = as_holder(issuer.token("bob", "notes:read", &url).await)
        .await
        .unwrap();
    assert_eq!(names(&bob).await, ["example__whoami"]);
    let refused = bob.call_tool("example__add", json!({"a": 1, "b": 2})).await;
    match refused {
        Err(e) => assert!(e.to_string().contains("notes:write"), "{e}"),
        Ok(result) => panic!("bob called add: {result:?}"),
    }

    // alice may write: she sees and calls it.
    let alice = as_holder(issuer.token("alice", "notes:read notes:write", &url).await)
        .await
        .unwrap();
    assert_eq!(names(&alice).await, ["example__add", "example__whoami"]);
    let sum = alice
        .call_tool("example__add", json!({"a": 40, "b": 2}))
        .await
        .unwrap();
    assert_eq!(sum.structured(), Some(&json!({"result": 42})));

    // The upstream knows every caller as the gateway: alice's token never reached it.
    let seen = alice.call_tool("example__whoami", json!({})).await.unwrap();
    assert_eq!(
        seen.structured().map(|s| s["principal"].clone()),
        Some(json!("gateway")),
        "{seen:?}"
    );
}
