//! What a successful call returns.

/// A successful call to [`Upstreams`](super::Upstreams): the JSON body and who answered.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct UpstreamResponse {
    /// The instance that answered.
    pub instance: String,
    /// The URL requested.
    pub url: String,
    /// Attempts made, the successful one included.
    pub attempts: u32,
    /// The response body.
    pub body: serde_json::Value,
}
