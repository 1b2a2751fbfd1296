//! OAuth 2.1 as an MCP client (the MCP authorization spec): a server's 401 or 403 with a
//! Bearer challenge starts discovery (RFC 9728 protected resource metadata, then the
//! authorization server's RFC 8414 or OpenID metadata, each checked), registration (a client id
//! given, a client ID metadata document, or dynamic registration), and a grant (authorization
//! code with PKCE through a user agent the application supplies, or client credentials); the
//! request is then sent again with the token. Scopes are the challenge's, else those the
//! resource lists; a 403 `insufficient_scope` asks again for the union of what was asked before
//! and what is missing, once per missing scope. Every token request names the resource
//! (RFC 8707). Tokens are kept per client (one server), refreshed when the server stops taking
//! them, and dropped with the registration when the resource names another authorization server.

mod challenge;
mod discovery;
mod grant;

use challenge::Challenge;
use grant::{Pkce, Registered};
use reqwest::header::HeaderValue;
use reqwest::{StatusCode, Url};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// The application's user agent: sent to the authorization URL, it returns the redirect URL the
/// authorization server sent it to (with the code), or why the user did not authorize.
type UserAgent = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send>> + Send + Sync,
>;

#[derive(Clone)]
enum Flow {
    AuthorizationCode {
        redirect_uri: String,
        user_agent: UserAgent,
    },
    ClientCredentials,
}

/// How a [`Client`](super::Client) gets tokens for a server that asks for them
/// ([`ClientBuilder::oauth`](super::ClientBuilder::oauth)).
///
/// ```no_run
/// # async fn demo() -> Result<(), sturdy_runtime::client::ClientError> {
/// use sturdy_runtime::client::{Client, OAuth};
///
/// // A service calling a server as itself (the client credentials grant).
/// let oauth = OAuth::client_credentials("reports-service", "its-secret");
/// let client = Client::builder().oauth(oauth).http("https://mcp.example.com/mcp").await?;
///
/// // On behalf of a user: the authorization URL goes to a browser, and the redirect it ends on
/// // comes back (here from a local callback server the application runs).
/// let oauth = OAuth::authorization_code("http://127.0.0.1:8765/callback", |url| async move {
///     println!("open {url}");
///     wait_for_callback().await
/// })
/// .client_metadata_document("https://app.example.com/oauth/client.json");
/// # let _ = oauth; Ok(()) }
/// # async fn wait_for_callback() -> Result<String, String> { unimplemented!() }
/// ```
#[derive(Clone)]
pub struct OAuth {
    flow: Flow,
    client: Option<(String, Option<String>)>,
    metadata_document: Option<String>,
    name: String,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let flow = match self.flow {
            Flow::AuthorizationCode { .. } => "authorization_code",
            Flow::ClientCredentials => "client_credentials",
        };
        f.debug_struct("OAuth")
            .field("flow", &flow)
            .field("client_id", &self.client.as_ref().map(|(id, _)| id))
            .field("metadata_document", &self.metadata_document)
            .finish_non_exhaustive()
    }
}

impl OAuth {
    /// The authorization code grant with PKCE: `user_agent` is given the authorization URL and
    /// returns the URL the authorization server redirected it to (on `redirect_uri`). The
    /// redirect's `state` and `iss` are checked before its code is used.
    pub fn authorization_code<F, Fut>(redirect_uri: &str, user_agent: F) -> OAuth
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        OAuth {
            flow: Flow::AuthorizationCode {
                redirect_uri: redirect_uri.to_owned(),
                user_agent: Arc::new(move |url| Box::pin(user_agent(url))),
            },
            client: None,
            metadata_document: None,
            name: "sturdy".into(),
        }
    }

    /// The client credentials grant, as the client registered with this id and secret.
    pub fn client_credentials(client_id: &str, client_secret: &str) -> OAuth {
        OAuth {
            flow: Flow::ClientCredentials,
            client: Some((client_id.to_owned(), Some(client_secret.to_owned()))),
            metadata_document: None,
            name: "sturdy".into(),
        }
    }

    /// A client registered beforehand (no registration is made): its id, and its secret when
    /// it is a confidential client.
    pub fn client_id(mut self, id: &str, secret: Option<&str>) -> OAuth {
        self.client = Some((id.to_owned(), secret.map(str::to_owned)));
        self
    }

    /// The URL of this client's metadata document, used as its client id by authorization
    /// servers that accept such documents (`client_id_metadata_document_supported`); others get
    /// a dynamic registration.
    pub fn client_metadata_document(mut self, url: &str) -> OAuth {
        self.metadata_document = Some(url.to_owned());
        self
    }

    /// The name a dynamic registration gives (`sturdy` by default).
    pub fn client_name(mut self, name: &str) -> OAuth {
        self.name = name.to_owned();
        self
    }
}

/// What one client knows of its authorization: held while a token is being got, so that
/// requests refused together get one new token.
#[derive(Default)]
struct State {
    /// The scopes asked for so far (a step-up asks for these and the missing ones).
    scopes: Vec<String>,
    /// The authorization server the registration and tokens are from.
    issuer: Option<String>,
    registered: Option<Registered>,
    refresh_token: Option<String>,
}

/// The tokens of one client for one server.
pub(crate) struct Authorizer {
    oauth: OAuth,
    http: reqwest::Client,
    server_url: Url,
    bearer: Mutex<Option<HeaderValue>>,
    state: tokio::sync::Mutex<State>,
}

impl Authorizer {
    pub(crate) fn new(oauth: OAuth, server_url: &str) -> Result<Authorizer, String> {
        let server_url = Url::parse(server_url).map_err(|e| format!("{server_url}: {e}"))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Authorizer {
            oauth,
            http,
            server_url,
            bearer: Mutex::new(None),
            state: tokio::sync::Mutex::new(State::default()),
        })
    }

    /// The `Authorization` header to send now, once there is a token.
    pub(crate) fn bearer(&self) -> Option<HeaderValue> {
        self.bearer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether a refusal with this status and challenge is one a new token may answer.
    pub(crate) fn answers(status: StatusCode, challenge: &str) -> bool {
        status == StatusCode::UNAUTHORIZED
            || (status == StatusCode::FORBIDDEN
                && Challenge::parse(challenge).error.as_deref() == Some("insufficient_scope"))
    }

    /// Gets a token answering `challenge` (from a response with `status` to a request that
    /// carried `sent`); Ok when there is a new one to send the request again with.
    pub(crate) async fn authorize(
        &self,
        status: StatusCode,
        challenge: &str,
        sent: Option<&HeaderValue>,
    ) -> Result<(), String> {
        let challenge = Challenge::parse(challenge);
        let mut state = self.state.lock().await;
        if self.bearer().as_ref() != sent {
            // Another request got a new token while this one waited.
            return Ok(());
        }
        let wanted = challenge.scopes();
        if status == StatusCode::FORBIDDEN
            && !wanted.is_empty()
            && wanted.iter().all(|s| state.scopes.contains(s))
        {
            return Err(format!(
                "refused for lack of scope \"{}\", which was asked for and not granted",
                wanted.join(" ")
            ));
        }
        let resource = discovery::resource_metadata(
            &self.http,
            &self.server_url,
            challenge.resource_metadata.as_deref(),
        )
        .await?;
        let Some(issuer) = resource.authorization_servers.first() else {
            return Err(format!(
                "the protected resource metadata of {} names no authorization server",
                resource.resource
            ));
        };
        let metadata = discovery::server_metadata(&self.http, issuer).await?;
        if state.issuer.as_deref() != Some(metadata.issuer.as_str()) {
            // Nothing from another authorization server is shown to this one.
            *state = State {
                issuer: Some(metadata.issuer.clone()),
                ..State::default()
            };
        }
        let mut scopes = if wanted.is_empty() {
            resource.scopes_supported.clone().unwrap_or_default()
        } else {
            wanted
        };
        for asked in &state.scopes {
            if !scopes.contains(asked) {
                scopes.push(asked.clone());
            }
        }
        let offers_refresh = metadata
            .scopes_supported
            .as_ref()
            .is_some_and(|s| s.iter().any(|s| s == "offline_access"));
        if matches!(self.oauth.flow, Flow::AuthorizationCode { .. })
            && offers_refresh
            && !scopes.iter().any(|s| s == "offline_access")
        {
            scopes.push("offline_access".into());
        }
        let scope = scopes.join(" ");
        let mut tokens = None;
        if let (Some(refresh), Some(registered)) = (state.refresh_token.take(), &state.registered) {
            if scopes.iter().all(|s| state.scopes.contains(s)) {
                let form = vec![
                    ("grant_type", "refresh_token".to_owned()),
                    ("refresh_token", refresh),
                ];
                tokens = grant::token(&self.http, &metadata, registered, &resource.resource, form)
                    .await
                    .ok();
            }
        }
        let tokens = match tokens {
            Some(tokens) => tokens,
            None => {
                let registered = match state.registered.clone() {
                    Some(registered) => registered,
                    None => self.register(&metadata).await?,
                };
                state.registered = Some(registered.clone());
                self.grant(&metadata, &registered, &resource.resource, &scope)
                    .await?
            }
        };
        state.scopes = scopes;
        state.refresh_token = tokens.refresh_token;
        let header = HeaderValue::from_str(&format!("Bearer {}", tokens.access_token))
            .map_err(|_| "the access token is not a header value".to_owned())?;
        *self.bearer.lock().unwrap_or_else(|p| p.into_inner()) = Some(header);
        Ok(())
    }

    /// How this client is known to the server: given, its metadata document, or registered now.
    async fn register(&self, metadata: &discovery::ServerMetadata) -> Result<Registered, String> {
        if let Some((id, secret)) = &self.oauth.client {
            return Ok(Registered {
                client_id: id.clone(),
                client_secret: secret.clone(),
                auth_method: grant::auth_method_for(metadata, secret.as_deref()),
            });
        }
        if let Some(document) = &self.oauth.metadata_document {
            if metadata.client_id_metadata_document_supported {
                return Ok(Registered {
                    client_id: document.clone(),
                    client_secret: None,
                    auth_method: "none".into(),
                });
            }
        }
        let redirect_uri = match &self.oauth.flow {
            Flow::AuthorizationCode { redirect_uri, .. } => Some(redirect_uri.as_str()),
            Flow::ClientCredentials => None,
        };
        grant::register(&self.http, metadata, &self.oauth.name, redirect_uri).await
    }

    /// A token by this client's grant.
    async fn grant(
        &self,
        metadata: &discovery::ServerMetadata,
        registered: &Registered,
        resource: &str,
        scope: &str,
    ) -> Result<grant::Tokens, String> {
        let mut form = Vec::new();
        match &self.oauth.flow {
            Flow::ClientCredentials => {
                form.push(("grant_type", "client_credentials".to_owned()));
                if !scope.is_empty() {
                    form.push(("scope", scope.to_owned()));
                }
            }
            Flow::AuthorizationCode {
                redirect_uri,
                user_agent,
            } => {
                let pkce = Pkce::new();
                let state = crate::random_token::random_token();
                let url = grant::authorization_url(
                    metadata,
                    registered,
                    redirect_uri,
                    scope,
                    resource,
                    &pkce,
                    &state,
                )?;
                let reached = user_agent(url.to_string()).await?;
                let code = grant::code_from_redirect(&reached, &state, metadata)?;
                form.extend([
                    ("grant_type", "authorization_code".to_owned()),
                    ("code", code),
                    ("redirect_uri", redirect_uri.clone()),
                    ("code_verifier", pkce.verifier),
                ]);
            }
        }
        grant::token(&self.http, metadata, registered, resource, form).await
    }
}
