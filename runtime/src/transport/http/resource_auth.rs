//! The HTTP transport as an OAuth resource server ([`crate::auth`]): the metadata document, and
//! every other request's access token checked from its headers before any body byte is read.

use super::guard::{bearer_token, Refusal};
use super::options::HttpOptions;
use crate::auth::{Challenge, ResourceMetadata, Verifier};
use crate::grant::Grant;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// What one server checks tokens with, and the metadata it publishes.
pub(super) struct ResourceAuth {
    pub(super) metadata: ResourceMetadata,
    verifier: Verifier,
    required_scopes: Vec<String>,
}

impl ResourceAuth {
    /// From `options.auth`: `None` without it, an error for unusable settings.
    pub(super) fn new(
        options: &HttpOptions,
        declared_scopes: &[String],
    ) -> Result<Option<Arc<Self>>, String> {
        let Some(auth) = &options.auth else {
            return Ok(None);
        };
        auth.check()?;
        if !options.bearer_tokens.is_empty() {
            return Err(
                "static bearer tokens and an authorization server are exclusive: set one".into(),
            );
        }
        let resource = auth
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}/mcp", options.bind));
        Ok(Some(Arc::new(ResourceAuth {
            metadata: ResourceMetadata::new(
                &resource,
                &auth.issuer,
                declared_scopes,
                &auth.required_scopes,
            ),
            verifier: Verifier::new(auth, &resource),
            required_scopes: auth.required_scopes.clone(),
        })))
    }

    /// Scopes every request needs.
    pub(super) fn required_scopes(&self) -> &[String] {
        &self.required_scopes
    }

    /// Fetches the signing keys ahead of the first request.
    pub(super) async fn prefetch(&self) {
        self.verifier.prefetch().await
    }

    /// What the request's token grants, or the refusal with its challenge.
    pub(super) async fn admit(&self, headers: &HeaderMap) -> Result<Arc<Grant>, Refusal> {
        let refuse = |why: Challenge| {
            let status = match why {
                Challenge::InsufficientScope(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::UNAUTHORIZED,
            };
            Refusal::Challenged {
                status,
                challenge: self.metadata.challenge(&why),
            }
        };
        let token = bearer_token(headers).ok_or_else(|| refuse(Challenge::NoToken))?;
        self.verifier
            .verify(token)
            .await
            .map_err(|refused| refuse(refused.challenge()))
    }

    /// The metadata document, readable by browser clients of other origins (the Origin check
    /// has let this one through).
    pub(super) fn metadata_response(&self) -> Response {
        let mut r = (StatusCode::OK, self.metadata.document().to_vec()).into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=3600"),
        );
        r
    }
}
