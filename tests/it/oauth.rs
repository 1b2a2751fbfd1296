//! The HTTP transport as an OAuth resource server, against a real authorization server
//! (`oidc-provider`, started by the test): the protected resource metadata (RFC 9728), the
//! challenges, JWT access tokens of every accepted algorithm, and the tokens it must refuse.

use crate::common::http::{mcp_headers, post, TestServer};
use crate::support::oidc::AuthorizationServer;
use reqwest::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sturdy::auth::AuthOptions;
use sturdy::transport::http::HttpOptions;

/// An authorization server signing with `alg`, and a sturdy server trusting it (every request
/// needing `required` scopes).
async fn pair(alg: &str, required: &[&str]) -> (AuthorizationServer, TestServer) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let resource = format!("http://{}/mcp", listener.local_addr().unwrap());
    let issuer = AuthorizationServer::start(&resource, alg);
    let options = HttpOptions {
        auth: Some(
            AuthOptions::new(&issuer.issuer)
                .public_url(&resource)
                .required_scopes(required.iter().copied()),
        ),
        ..Default::default()
    };
    (issuer, TestServer::start_on(listener, options).await)
}

fn initialize() -> Value {
    json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},
        "clientInfo":{"name":"oauth-test","version":"1"}}})
}

fn bearer(token: &str) -> reqwest::header::HeaderMap {
    let mut h = mcp_headers();
    h.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    h
}

/// `initialize` with `token`: the status and the challenge, if any.
async fn try_token(server: &TestServer, token: &str) -> (StatusCode, String) {
    let r = post(
        &reqwest::Client::new(),
        &server.url(),
        bearer(token),
        initialize(),
    )
    .await;
    let challenge = r
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status(), challenge)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn the_metadata_says_where_to_get_a_token() {
    let (issuer, server) = pair("RS256", &[]).await;
    let http = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    let metadata_url = format!("{base}/.well-known/oauth-protected-resource/mcp");
    for url in [
        metadata_url.clone(),
        format!("{base}/.well-known/oauth-protected-resource"),
    ] {
        let r = http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let doc: Value = crate::common::http::json_of(r).await;
        assert_eq!(doc["resource"], server.url());
        assert_eq!(doc["authorization_servers"], json!([issuer.issuer]));
        assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
    }
    // Host checks still apply to it.
    let foreign = http
        .get(&metadata_url)
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 421);
    // Without a token: 401, pointing at the metadata; liveness needs none.
    let r = post(&http, &server.url(), mcp_headers(), initialize()).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()[WWW_AUTHENTICATE],
        format!("Bearer resource_metadata=\"{metadata_url}\"").as_str()
    );
    assert_eq!(
        http.get(format!("{base}/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        http.get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // A token in the query string is no token.
    let token = issuer.token("alice", "notes:read", &server.url()).await;
    let r = post(
        &http,
        &format!("{}?access_token={token}", server.url()),
        mcp_headers(),
        initialize(),
    )
    .await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn tokens_of_every_accepted_algorithm_open_the_server_and_name_the_caller() {
    for alg in ["RS256", "PS256", "ES256", "EdDSA"] {
        let (issuer, server) = pair(alg, &[]).await;
        let alice = issuer.token("alice", "notes:read", &server.url()).await;
        let bob = issuer.token("bob", "notes:read", &server.url()).await;
        let http = reqwest::Client::new();
        let r = post(&http, &server.url(), bearer(&alice), initialize()).await;
        assert_eq!(r.status(), 200, "{alg}");
        let sid = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        let list = json!({"jsonrpc":"2.0","id":2,"method":"tools/list"});
        let in_session = |token: &str| {
            let mut h = bearer(token);
            h.insert("mcp-session-id", HeaderValue::from_str(&sid).unwrap());
            h.insert(
                "mcp-protocol-version",
                HeaderValue::from_static("2025-11-25"),
            );
            h
        };
        let r = post(&http, &server.url(), in_session(&alice), list.clone()).await;
        assert_eq!(r.status(), 200, "{alg}");
        let listed: Value = crate::common::http::json_of(r).await;
        assert!(listed["result"]["tools"].is_array(), "{listed}");
        // The session is alice's: bob's valid token does not reach it.
        let r = post(&http, &server.url(), in_session(&bob), list).await;
        assert_eq!(r.status(), 404, "{alg}");
    }
}

#[tokio::test]
async fn tokens_that_are_not_for_this_server_are_refused() {
    let (issuer, server) = pair("RS256", &[]).await;
    let resource = server.url();
    let good = issuer.token("alice", "notes:read", &resource).await;
    let claims = |changes: Value| {
        let mut c = json!({
            "iss": issuer.issuer, "aud": resource, "sub": "mallory",
            "exp": now() + 600, "iat": now(), "scope": "notes:read",
        });
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    // The minting works: with every claim right, a minted token is accepted.
    let minted = issuer.mint(json!({}), claims(json!({}))).await;
    assert_eq!(try_token(&server, &minted).await.0, 200);
    assert_eq!(try_token(&server, &good).await.0, 200);

    let (head, rest) = good.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let mut tampered_payload = payload.to_owned();
    let flip = if tampered_payload.ends_with('A') {
        "B"
    } else {
        "A"
    };
    tampered_payload.replace_range(tampered_payload.len() - 1.., flip);
    let b64 = |v: Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let mut bad = vec![
        ("garbage", "not-a-jwt".to_owned()),
        (
            "tampered payload",
            format!("{head}.{tampered_payload}.{signature}"),
        ),
        (
            "tampered signature",
            format!("{head}.{payload}.{}", &signature[..signature.len() - 4]),
        ),
        (
            "alg none",
            format!(
                "{}.{payload}.",
                b64(json!({"alg": "none", "typ": "at+jwt"}))
            ),
        ),
        (
            "HS256",
            format!(
                "{}.{payload}.{signature}",
                b64(json!({"alg": "HS256", "kid": "RS256-1"}))
            ),
        ),
        (
            "another resource",
            issuer
                .token("alice", "notes:read", "http://127.0.0.1:9/elsewhere")
                .await,
        ),
    ];
    for (what, changes) in [
        ("expired", json!({"exp": now() - 120})),
        ("not yet valid", json!({"nbf": now() + 300})),
        ("another issuer", json!({"iss": "http://127.0.0.1:1"})),
        ("another audience", json!({"aud": "http://127.0.0.1:9/mcp"})),
        ("no audience", json!({"aud": null})),
        ("no expiry", json!({"exp": null})),
        ("no issuer", json!({"iss": null})),
        ("no subject", json!({"sub": null})),
    ] {
        bad.push((what, issuer.mint(json!({}), claims(changes)).await));
    }
    bad.push((
        "unknown key",
        issuer
            .mint(json!({"kid": "rotated-away"}), claims(json!({})))
            .await,
    ));
    for (what, token) in bad {
        let (status, challenge) = try_token(&server, &token).await;
        assert_eq!(status, 401, "{what}");
        assert!(
            challenge.contains("error=\"invalid_token\""),
            "{what}: {challenge}"
        );
        assert!(
            challenge.contains("resource_metadata=\""),
            "{what}: {challenge}"
        );
    }
    // Still serving.
    assert_eq!(try_token(&server, &good).await.0, 200);
}

#[tokio::test]
async fn unknown_keys_fetch_the_key_set_at_most_once_per_ten_seconds() {
    let (issuer, server) = pair("ES256", &[]).await;
    let good = issuer.token("alice", "notes:read", &server.url()).await;
    assert_eq!(try_token(&server, &good).await.0, 200);
    let before = issuer.jwks_fetches().await;
    let claims = json!({"iss": issuer.issuer, "aud": server.url(), "sub": "x", "exp": now() + 600});
    for n in 0..30 {
        let token = issuer
            .mint(json!({"kid": format!("unknown-{n}")}), claims.clone())
            .await;
        assert_eq!(try_token(&server, &token).await.0, 401);
    }
    let fetched = issuer.jwks_fetches().await - before;
    assert!(
        fetched <= 1,
        "{fetched} fetches of the key set for 30 unknown keys"
    );
    // Known keys keep working.
    assert_eq!(try_token(&server, &good).await.0, 200);
}

#[tokio::test]
async fn required_scopes_are_asked_for_and_checked() {
    let (issuer, server) = pair("RS256", &["notes:write"]).await;
    let http = reqwest::Client::new();
    let r = post(&http, &server.url(), mcp_headers(), initialize()).await;
    assert_eq!(r.status(), 401);
    let challenge = r.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(
        challenge.ends_with(", scope=\"notes:write\""),
        "{challenge}"
    );
    let r = http
        .get(format!(
            "http://{}/.well-known/oauth-protected-resource/mcp",
            server.addr
        ))
        .send()
        .await
        .unwrap();
    let doc: Value = crate::common::http::json_of(r).await;
    assert_eq!(doc["scopes_supported"], json!(["notes:write"]));
    // bob may only read: 403, naming what to ask for (a step-up).
    let bob = issuer.token("bob", "notes:read", &server.url()).await;
    let (status, challenge) = try_token(&server, &bob).await;
    assert_eq!(status, 403);
    assert!(
        challenge.starts_with("Bearer error=\"insufficient_scope\", scope=\"notes:write\""),
        "{challenge}"
    );
    let alice = issuer
        .token("alice", "notes:read notes:write", &server.url())
        .await;
    assert_eq!(try_token(&server, &alice).await.0, 200);
}

#[tokio::test]
async fn unusable_settings_stop_the_server_at_start_up() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_http = HttpOptions {
        auth: Some(AuthOptions::new("http://login.example.com")),
        ..Default::default()
    };
    let server = std::sync::Arc::new(sturdy::Server::new(
        sturdy::Registry::from_defs([]).unwrap(),
        sturdy::ServerInfo::new("t", "1"),
    ));
    let err = sturdy::transport::http::serve_http(server.clone(), listener, plain_http, async {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must be https"), "{err}");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let both = HttpOptions {
        auth: Some(AuthOptions::new("https://login.example.com")),
        bearer_tokens: crate::common::http::tokens_for(&["alice"]),
        ..Default::default()
    };
    let err = sturdy::transport::http::serve_http(server, listener, both, async {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("exclusive"), "{err}");
}

/// `tool_server --http` trusting `issuer`, with extra environment.
fn tool_server(issuer: &AuthorizationServer, env: &[(&str, &str)]) -> crate::support::HttpServer {
    let mut all = vec![("STURDY_AUTH_ISSUER", issuer.issuer.as_str())];
    all.extend_from_slice(env);
    crate::support::HttpServer::start_with_env(&crate::support::build_example("tool_server"), &all)
}

/// One JSON-RPC request in `sid`'s session (a new one when `None`): the status, the challenge
/// and the answer (`Null` when not JSON).
async fn rpc(
    url: &str,
    token: &str,
    sid: Option<&str>,
    body: Value,
) -> (u16, String, Value, Option<String>) {
    let mut headers = bearer(token);
    if let Some(sid) = sid {
        headers.insert("mcp-session-id", HeaderValue::from_str(sid).unwrap());
        headers.insert(
            "mcp-protocol-version",
            HeaderValue::from_static("2025-11-25"),
        );
    }
    let r = post(&reqwest::Client::new(), url, headers, body).await;
    let status = r.status().as_u16();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (challenge, new_sid) = (
        header("www-authenticate").unwrap_or_default(),
        header("mcp-session-id"),
    );
    let answer = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
    (status, challenge, answer, new_sid)
}

/// A session of `token`'s holder: its id.
async fn open(url: &str, token: &str) -> String {
    let (status, _, _, sid) = rpc(url, token, None, initialize()).await;
    assert_eq!(status, 200);
    sid.expect("a session id")
}

fn names(answer: &Value, list: &str, key: &str) -> Vec<String> {
    answer["result"][list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list}: {answer}"))
        .iter()
        .map(|e| e[key].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn scopes_per_tool_and_resource_decide_what_a_caller_sees_and_uses() {
    let issuer = AuthorizationServer::start("http://127.0.0.1:9/unused", "RS256");
    let server = tool_server(&issuer, &[]);
    let url = server.url();
    let reader = issuer.token("bob", "notes:read", &url).await;
    let writer = issuer.token("alice", "notes:read notes:write", &url).await;
    let tools = json!({"jsonrpc":"2.0","id":2,"method":"tools/list"});
    let resources = json!({"jsonrpc":"2.0","id":3,"method":"resources/list"});
    let add_note = json!({"jsonrpc":"2.0","id":4,"method":"tools/call",
        "params":{"name":"add_note","arguments":{"text":"hello"}}});
    let read =
        json!({"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"notes://latest"}});

    // The metadata lists every scope an entry declares.
    let well_known = url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp");
    let meta = crate::common::http::json_of(reqwest::get(well_known).await.unwrap()).await;
    assert_eq!(
        meta["scopes_supported"],
        json!(["notes:read", "notes:write"])
    );

    // bob may read: he does not see add_note, and calling it is 403 naming the scope to ask.
    let sid = open(&url, &reader).await;
    let (_, _, listed, _) = rpc(&url, &reader, Some(&sid), tools.clone()).await;
    let seen = names(&listed, "tools", "name");
    assert!(
        seen.contains(&"add".to_owned()) && !seen.contains(&"add_note".to_owned()),
        "{seen:?}"
    );
    let (_, _, listed, _) = rpc(&url, &reader, Some(&sid), resources.clone()).await;
    assert!(names(&listed, "resources", "uri").contains(&"notes://latest".to_owned()));
    let (status, challenge, _, _) = rpc(&url, &reader, Some(&sid), add_note.clone()).await;
    assert_eq!(status, 403);
    assert!(
        challenge.starts_with("Bearer error=\"insufficient_scope\", scope=\"notes:write\""),
        "{challenge}"
    );
    let (status, _, answer, _) = rpc(&url, &reader, Some(&sid), read.clone()).await;
    assert_eq!(
        (status, answer["result"]["contents"][0]["text"].clone()),
        (200, json!(""))
    );

    // alice may write: she sees and calls it, and bob then reads her note.
    let sid = open(&url, &writer).await;
    let (_, _, listed, _) = rpc(&url, &writer, Some(&sid), tools.clone()).await;
    assert!(names(&listed, "tools", "name").contains(&"add_note".to_owned()));
    let (status, _, answer, _) = rpc(&url, &writer, Some(&sid), add_note).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["isError"], json!(null), "{answer}");
    let sid = open(&url, &reader).await;
    let (_, _, answer, _) = rpc(&url, &reader, Some(&sid), read).await;
    assert_eq!(answer["result"]["contents"][0]["text"], "hello");
    drop(server);

    // With STURDY_AUTH_LIST_ALL, bob sees add_note listed, and calling it is still refused.
    let server = tool_server(&issuer, &[("STURDY_AUTH_LIST_ALL", "true")]);
    let url = server.url();
    let reader = issuer.token("bob", "notes:read", &url).await;
    let sid = open(&url, &reader).await;
    let (_, _, listed, _) = rpc(&url, &reader, Some(&sid), tools).await;
    assert!(names(&listed, "tools", "name").contains(&"add_note".to_owned()));
    let call = json!({"jsonrpc":"2.0","id":6,"method":"tools/call",
        "params":{"name":"add_note","arguments":{"text":"x"}}});
    assert_eq!(rpc(&url, &reader, Some(&sid), call).await.0, 403);
}

#[tokio::test]
async fn a_tool_knows_who_calls_it() {
    let issuer = AuthorizationServer::start("http://127.0.0.1:9/unused", "ES256");
    let server = tool_server(&issuer, &[]);
    let url = server.url();
    let whoami = json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"whoami"}});
    // `whoami` is cached: each user, asking twice, gets their own answer, the second from the
    // cache, never the other's.
    for round in 0..2 {
        for (client, scope) in [("alice", "notes:read notes:write"), ("bob", "notes:read")] {
            let token = issuer.token(client, scope, &url).await;
            let sid = open(&url, &token).await;
            let (status, _, answer, _) = rpc(&url, &token, Some(&sid), whoami.clone()).await;
            assert_eq!(status, 200);
            assert_eq!(
                answer["result"]["structuredContent"],
                json!({"principal": client, "scopes": scope.split(' ').collect::<Vec<_>>()}),
                "{answer}"
            );
            let hit = answer["result"]["_meta"]["dev.sturdy/cache"] == "hit";
            assert_eq!(hit, round == 1, "{client}, round {round}: {answer}");
        }
    }
}

#[tokio::test]
async fn a_rotated_key_is_fetched_and_bogus_tokens_leave_the_server_serving() {
    let (issuer, server) = pair("RS256", &[]).await;
    let old = issuer.token("alice", "notes:read", &server.url()).await;
    assert_eq!(try_token(&server, &old).await.0, 200);
    issuer.rotate().await;
    let new = issuer.token("alice", "notes:read", &server.url()).await;
    // The key set was fetched moments ago: the new key is fetched once the 10 s between two
    // fetches have passed, and tokens signed with it work from then on.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        match try_token(&server, &new).await.0.as_u16() {
            200 => break,
            401 if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await
            }
            other => panic!("a token of the rotated key: {other}"),
        }
    }

    // 10,000 distinct tokens that are not valid: refused, and not remembered. Sent 64 at a time
    // (what is tested is the tokens, not a flood of connections).
    use futures_util::StreamExt;
    let http = reqwest::Client::new();
    let url = server.url();
    let statuses: Vec<u16> = futures_util::stream::iter(0..10_000)
        .map(|n| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let token = format!("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.bogus{n}");
                post(&http, &url, bearer(&token), initialize())
                    .await
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 401));
    assert_eq!(try_token(&server, &new).await.0, 200);
}

#[tokio::test]
async fn opaque_tokens_are_introspected_once_each() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let resource = format!("http://{}/mcp", listener.local_addr().unwrap());
    let issuer = AuthorizationServer::start_issuing(&resource, "RS256", "opaque");
    let introspection = format!("{}/token/introspection", issuer.issuer);
    let options = HttpOptions {
        auth: Some(
            AuthOptions::new(&issuer.issuer)
                .public_url(&resource)
                .introspection(&introspection, "sturdy", "sturdy-secret"),
        ),
        ..Default::default()
    };
    let server = TestServer::start_on(listener, options).await;
    let alice = issuer.token("alice", "notes:read", &resource).await;
    assert_eq!(alice.matches('.').count(), 0, "an opaque token: {alice}");
    assert_eq!(try_token(&server, &alice).await.0, 200);
    assert_eq!(try_token(&server, &alice).await.0, 200);
    assert_eq!(issuer.introspections().await, 1, "the answer is kept");
    // For another resource, or made up: refused.
    let elsewhere = issuer
        .token("alice", "notes:read", "http://127.0.0.1:9/elsewhere")
        .await;
    for token in [elsewhere.as_str(), "made-up-opaque-token"] {
        let (status, challenge) = try_token(&server, token).await;
        assert_eq!(status, 401, "{token}");
        assert!(challenge.contains("invalid_token"), "{challenge}");
    }
    // Sessions know the principal (the client, for a client credentials token).
    let r = post(
        &reqwest::Client::new(),
        &server.url(),
        bearer(&alice),
        initialize(),
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn known_keys_keep_working_while_the_issuer_is_down() {
    let (issuer, server) = pair("ES256", &[]).await;
    let first = issuer.token("alice", "notes:read", &server.url()).await;
    let second = issuer.token("bob", "notes:read", &server.url()).await;
    let claims = json!({"iss": issuer.issuer, "aud": server.url(), "sub": "x", "exp": now() + 600});
    let unknown = issuer.mint(json!({"kid": "never-published"}), claims).await;
    assert_eq!(try_token(&server, &first).await.0, 200);
    drop(issuer);
    // A token not seen before, signed with a key already known: verified without the issuer.
    assert_eq!(try_token(&server, &second).await.0, 200);
    // A key not known cannot be fetched: refused, not let through.
    assert_eq!(try_token(&server, &unknown).await.0, 401);
}

#[tokio::test]
async fn a_huge_authorization_header_is_refused_and_the_server_goes_on() {
    let (issuer, server) = pair("RS256", &[]).await;
    let huge = "a".repeat(100 * 1024);
    let (status, _) = try_token(&server, &huge).await;
    assert!(status.is_client_error(), "{status}");
    let good = issuer.token("alice", "notes:read", &server.url()).await;
    assert_eq!(try_token(&server, &good).await.0, 200);
}
