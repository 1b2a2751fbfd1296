//! `sturdy::client` getting its own tokens by OAuth from a real authorization server
//! (`oidc-provider`, started by the test) for the example server trusting it: discovery from the
//! server's 401 (its protected resource metadata, then the provider's OpenID metadata), a token
//! by client credentials for the server's resource, a step-up when a tool needs a scope the
//! token lacks, and clear errors when the provider refuses.

use crate::support;
use crate::support::oidc::AuthorizationServer;
use serde_json::json;
use sturdy::client::{Client, ClientError, OAuth};

/// The example server trusting a fresh authorization server, every request needing `notes:read`.
fn server() -> (AuthorizationServer, support::HttpServer) {
    // The resource is only the provider's default; the client names the server's own.
    let issuer = AuthorizationServer::start("http://127.0.0.1:9/unused", "RS256");
    let server = support::HttpServer::start_with_env(
        &support::build_example("tool_server"),
        &[
            ("STURDY_AUTH_ISSUER", issuer.issuer.as_str()),
            ("STURDY_AUTH_REQUIRED_SCOPES", "notes:read"),
        ],
    );
    (issuer, server)
}

/// alice may read and write: her first token (the challenge's `notes:read`) does not list
/// `add_note`; calling it anyway is refused for `notes:write`, and the client gets a token with
/// both and calls it, in either protocol era.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_by_client_credentials_and_a_step_up_for_a_missing_scope() {
    let (_issuer, server) = server();
    for pinned in [None, Some("2025-11-25")] {
        let mut builder =
            Client::builder().oauth(OAuth::client_credentials("alice", "alice-secret"));
        if let Some(revision) = pinned {
            builder = builder.protocol_version(revision);
        }
        let client = builder.http(&server.url()).await.unwrap();
        let tools = client.list_tools().await.unwrap();
        let names: Vec<_> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"add"), "{pinned:?}: {names:?}");
        assert!(
            !names.contains(&"add_note"),
            "{pinned:?}: the first token has notes:read only: {names:?}"
        );
        let sum = client
            .call_tool("add", json!({"a": 2, "b": 3}))
            .await
            .unwrap();
        assert_eq!(sum.structured(), Some(&json!({"result": 5})));
        let note = client
            .call_tool("add_note", json!({"text": "stepped up"}))
            .await
            .unwrap_or_else(|e| panic!("{pinned:?}: add_note after the step-up: {e}"));
        assert!(!note.is_error(), "{pinned:?}: {}", note.text());
    }
}

/// bob may only read: the step-up is refused by the provider, the call fails naming why (not
/// as something a retry would mend), and his first token keeps working. A wrong secret fails
/// the connection with the provider's refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_of_the_authorization_server_are_clear_errors() {
    let (_issuer, server) = server();
    let bob = Client::builder()
        .oauth(OAuth::client_credentials("bob", "bob-secret"))
        .protocol_version("2025-11-25")
        .http(&server.url())
        .await
        .unwrap();
    let err = bob
        .call_tool("add_note", json!({"text": "not mine to write"}))
        .await
        .unwrap_err();
    let ClientError::Unauthorized(why) = &err else {
        panic!("not an authorization failure: {err:?}");
    };
    assert!(
        why.contains("invalid_scope") && why.contains(&server.url()),
        "{why}"
    );
    let tool_error = sturdy::ToolError::from(err.clone());
    assert!(!tool_error.is_retryable(), "{tool_error:?}");
    let sum = bob.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap();
    assert_eq!(sum.structured(), Some(&json!({"result": 2})));

    let err = Client::builder()
        .oauth(OAuth::client_credentials("alice", "not-her-secret"))
        .http(&server.url())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Unauthorized(why) if why.contains("invalid_client")),
        "{err:?}"
    );
}
