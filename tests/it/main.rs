//! The integration tests that need no binary of their own, as modules of one test binary: each
//! integration test binary links the whole stack, so one binary links once. Tests that must
//! stand alone keep their own: the ones whose `#[tool]`s, resources or prompts would meet in one
//! registry, trybuild's, and those that need process-wide settings of their own.

#[path = "../common/mod.rs"]
mod common;
#[path = "../example_client/mod.rs"]
mod example_client;
mod example_stdio;
#[path = "../support/mod.rs"]
mod support;

mod batch;
mod client_http;
#[cfg(feature = "auth")]
mod client_oauth;
mod client_stdio;
mod conformance_http;
mod conformance_stdio;
mod demo;
mod dynamic_tools;
mod example_server;
mod gateway;
mod gateway_auth;
mod gateway_faults;
mod gateway_python;
mod gateway_replicas;
mod hostile_input;
mod http_access;
mod http_timeouts;
mod load_balancer;
#[cfg(feature = "auth")]
mod oauth;
#[cfg(feature = "otel")]
mod otel;
mod patterns_http;
mod python_sdk;
mod replicas;
mod replicated_tasks;
mod resilience;
mod skills;
mod status_page;
mod tasks;
mod ts_sdk;
mod type_torture;
#[cfg(feature = "remote")]
mod upstreams;
