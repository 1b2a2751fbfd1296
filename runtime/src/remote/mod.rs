//! Calling HTTP JSON APIs from tools: an [`HttpClient`] with a time limit and a body cap, and
//! [`Upstreams`], which spreads calls over equivalent instances with a circuit breaker per
//! instance, retries on another instance, and errors that name the status and the instance.
//!
//! Available with the `remote` feature (on by default). Errors are [`RemoteError`]s, which convert
//! into [`ToolError`](crate::ToolError) with `?`.

mod client;
mod error;
mod upstreams;

pub use client::{ByteBudget, HttpClient, HttpClientBuilder};
pub use error::{RemoteError, RemoteErrorKind};
pub use reqwest::Method;
pub use upstreams::{UpstreamResponse, Upstreams, UpstreamsBuilder, UpstreamsError};
