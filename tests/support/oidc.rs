//! A real OAuth 2.1 authorization server for the tests: `oidc-provider` (npm, OpenID Certified),
//! installed under `<target>/oidc-provider/` on first use, run by `tests/auth/authorization_server.mjs`
//! on a free loopback port, stopped when dropped.

use super::install::npm_package;
use super::target_dir;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

/// The pinned release the tests run.
pub const OIDC_PROVIDER: &str = "oidc-provider@9.13.3";

/// A running authorization server issuing JWT access tokens for one resource.
pub struct AuthorizationServer {
    child: Child,
    /// Closed on drop: the script exits when its stdin ends.
    _stdin: ChildStdin,
    /// Its issuer identifier, `http://127.0.0.1:<port>`.
    pub issuer: String,
    http: reqwest::Client,
}

impl AuthorizationServer {
    /// A server whose tokens are for `resource`, signed with `alg` (RS256, PS256, ES256, EdDSA).
    pub fn start(resource: &str, alg: &str) -> AuthorizationServer {
        Self::start_issuing(resource, alg, "jwt")
    }

    /// [`start`](Self::start), issuing access tokens of `format`: `jwt`, or `opaque` (checked by
    /// introspection, as client `sturdy` with secret `sturdy-secret`).
    pub fn start_issuing(resource: &str, alg: &str, format: &str) -> AuthorizationServer {
        let dir = target_dir().join("oidc-provider").join("9.13.3");
        let dir = npm_package(&dir, OIDC_PROVIDER);
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/auth/authorization_server.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .args([resource, alg, format])
            .env("MCP_OIDC_PROVIDER", dir.join("node_modules/oidc-provider"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts");
        let stdin = child.stdin.take().expect("piped stdin");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut first)
            .expect("the authorization server says where it listens");
        let started: serde_json::Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("the authorization server did not start ({e}): {first:?}"));
        AuthorizationServer {
            child,
            _stdin: stdin,
            issuer: started["issuer"].as_str().expect("an issuer").to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// An access token of `client` (`alice`, `bob`) for `resource` with `scope`, by the client
    /// credentials grant.
    pub async fn token(&self, client: &str, scope: &str, resource: &str) -> String {
        let body = format!(
            "grant_type=client_credentials&scope={}&resource={}",
            form_encode(scope),
            form_encode(resource)
        );
        let response = self
            .http
            .post(format!("{}/token", self.issuer))
            .basic_auth(client, Some(format!("{client}-secret")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let answer: serde_json::Value =
            serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert!(status.is_success(), "token request refused: {answer}");
        answer["access_token"].as_str().unwrap().to_owned()
    }

    /// A JWT with `claims`, signed with the server's own published key (`header` merged over
    /// its usual header).
    pub async fn mint(&self, header: serde_json::Value, claims: serde_json::Value) -> String {
        let body = serde_json::json!({ "header": header, "claims": claims });
        self.http
            .post(format!("{}/test/mint", self.issuer))
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Replaces its signing key with a new one (a new `kid`); the tokens it issues from now on
    /// are signed with it.
    pub async fn rotate(&self) {
        let r = self
            .http
            .post(format!("{}/test/rotate", self.issuer))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }

    /// How many times its key set was fetched.
    pub async fn jwks_fetches(&self) -> u64 {
        self.count("jwks-fetches").await
    }

    /// How many tokens it introspected.
    pub async fn introspections(&self) -> u64 {
        self.count("introspections").await
    }

    async fn count(&self, what: &str) -> u64 {
        let text = self
            .http
            .get(format!("{}/test/{what}", self.issuer))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.trim().parse().unwrap()
    }
}

impl Drop for AuthorizationServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `application/x-www-form-urlencoded` text.
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
