//! Application state: values given to `App::state` / `Server::with_app_state` reach `State<T>`
//! parameters of tools, resources and prompts (one shared value per type, never in a schema);
//! a function asking for a type nobody provided is a start-up error naming it, and, on a server
//! that skipped the check, a clear error for the call rather than a panic.

#[path = "common/mod.rs"]
mod common;

use common::Client;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use sturdy::prelude::*;
use sturdy::transport::stdio::StdioOptions;
use sturdy::AppState;
use sturdy::RegistryError;

/// A counter shared by every call (what a pool or a client would be in a real server).
#[derive(Default)]
struct Visits(AtomicU64);

/// Configuration read once at start-up.
struct Greeting {
    salutation: String,
}

/// Never provided by the servers below except where a test says so.
struct Archive;

/// Count a visit and greet.
#[tool]
async fn visit(visits: State<Visits>, greeting: State<Greeting>, name: String) -> String {
    let n = visits.0.fetch_add(1, Ordering::SeqCst) + 1;
    format!("{}, {name} (visit {n})", greeting.salutation)
}

/// How many visits so far (sync, so it runs on the blocking pool with its state).
#[tool]
fn visit_count(ctx: Context, visits: State<Visits>) -> u64 {
    let _ = ctx.client_id();
    visits.0.load(Ordering::SeqCst)
}

/// The visit count, as a resource.
#[resource(uri = "stats://visits", mime_type = "text/plain")]
fn visits_resource(visits: State<Visits>) -> String {
    visits.0.load(Ordering::SeqCst).to_string()
}

/// One visitor's greeting, as a template.
#[resource(template = "greetings://{name}")]
async fn greeting_resource(greeting: State<Greeting>, name: String) -> String {
    format!("{}, {name}", greeting.salutation)
}

/// Welcome someone the configured way.
#[prompt]
fn welcome(greeting: State<Greeting>, name: String) -> String {
    format!(
        "Write a welcome note that starts with \"{}, {name}\".",
        greeting.salutation
    )
}

/// Reads the archive: needs a state only one test provides.
#[tool]
async fn archived(_archive: State<Archive>) -> String {
    "archived".into()
}

fn state(with_archive: bool) -> AppState {
    let mut state = AppState::new();
    state.insert(Visits::default());
    state.insert(Greeting {
        salutation: "Hello".into(),
    });
    if with_archive {
        state.insert(Archive);
    }
    state
}

fn server(state: AppState) -> Server {
    Server::from_inventory(ServerInfo::new("state", "0.0.0"))
        .expect("definitions are valid")
        .with_app_state(state)
}

#[tokio::test]
async fn tools_resources_and_prompts_share_the_apps_values() {
    let server = server(state(true));
    server.check_app_state().expect("everything is provided");
    let mut c = Client::start_server(server, StdioOptions::default());
    c.initialize("2025-11-25").await;

    let r = c.call(1, "visit", json!({"name": "Ada"})).await;
    assert_eq!(r["content"][0]["text"], "Hello, Ada (visit 1)", "{r}");
    let r = c.call(2, "visit", json!({"name": "Alan"})).await;
    assert_eq!(r["content"][0]["text"], "Hello, Alan (visit 2)", "{r}");
    let r = c.call(3, "visit_count", json!({})).await;
    assert_eq!(r["structuredContent"]["result"], 2, "{r}");

    let r = c
        .request(4, "resources/read", json!({"uri": "stats://visits"}))
        .await;
    assert_eq!(r["result"]["contents"][0]["text"], "2", "{r}");
    let r = c
        .request(5, "resources/read", json!({"uri": "greetings://Grace"}))
        .await;
    assert_eq!(r["result"]["contents"][0]["text"], "Hello, Grace", "{r}");
    let r = c
        .request(
            6,
            "prompts/get",
            json!({"name": "welcome", "arguments": {"name": "Edsger"}}),
        )
        .await;
    let text = &r["result"]["messages"][0]["content"]["text"];
    assert_eq!(
        text, "Write a welcome note that starts with \"Hello, Edsger\".",
        "{r}"
    );
}

#[tokio::test]
async fn state_parameters_are_not_part_of_any_schema() {
    let mut c = Client::start_server(server(state(true)), StdioOptions::default());
    c.initialize("2025-11-25").await;
    let r = c.request(1, "tools/list", json!({})).await;
    let tools = r["result"]["tools"].as_array().unwrap();
    let visit = tools.iter().find(|t| t["name"] == "visit").unwrap();
    assert_eq!(
        visit["inputSchema"]["properties"],
        json!({"name": {"type": "string"}})
    );
    assert_eq!(visit["inputSchema"]["required"], json!(["name"]));
    let count = tools.iter().find(|t| t["name"] == "visit_count").unwrap();
    assert_eq!(count["inputSchema"]["properties"], json!({}), "{count}");
    let archived = tools.iter().find(|t| t["name"] == "archived").unwrap();
    assert_eq!(
        archived["inputSchema"]["properties"],
        json!({}),
        "{archived}"
    );

    let r = c.request(2, "prompts/list", json!({})).await;
    let welcome = r["result"]["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "welcome")
        .unwrap()
        .clone();
    assert_eq!(
        welcome["arguments"],
        json!([{"name": "name", "required": true}]),
        "{welcome}"
    );
    // The template's variables are its only parameters: `State` does not make one.
    let r = c.request(3, "resources/templates/list", json!({})).await;
    let templates = r["result"]["resourceTemplates"].as_array().unwrap();
    assert!(templates
        .iter()
        .any(|t| t["uriTemplate"] == "greetings://{name}"));
}

#[test]
fn a_missing_state_is_a_start_up_error_naming_function_and_type() {
    let err = server(state(false)).check_app_state().unwrap_err();
    let RegistryError::MissingState {
        function,
        location,
        type_name,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(function.ends_with("::archived"), "{function}");
    assert!(location.starts_with("tests/app_state.rs:"), "{location}");
    assert!(type_name.ends_with("::Archive"), "{type_name}");
    let message = err.to_string();
    assert!(
        message.contains("State<") && message.contains("App::state"),
        "{message}"
    );

    // Nothing provided at all: the first function in name order is reported.
    let err = server(AppState::new()).check_app_state().unwrap_err();
    assert!(matches!(err, RegistryError::MissingState { .. }), "{err:?}");
}

#[test]
fn app_stops_before_serving_when_a_state_is_missing() {
    // `App` runs the check for every mode, `--list-tools` included: exit status 2, nothing served.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let code = runtime.block_on(
        sturdy::App::new("state", "0.0.0")
            .state(Visits::default())
            .run_with_args(["--list-tools".to_owned()]),
    );
    assert_eq!(code, std::process::ExitCode::from(2));
    let code = runtime.block_on(
        sturdy::App::new("state", "0.0.0")
            .state(Visits::default())
            .state(Greeting {
                salutation: "Hi".into(),
            })
            .state(Archive)
            .run_with_args(["--list-tools".to_owned()]),
    );
    assert_eq!(code, std::process::ExitCode::SUCCESS);
}

#[tokio::test]
async fn an_unchecked_server_answers_a_clear_error_and_keeps_serving() {
    // A program that builds its own server and skips `check_app_state`.
    let mut c = Client::start_server(server(state(false)), StdioOptions::default());
    c.initialize("2025-11-25").await;
    let r = c.call(1, "archived", json!({})).await;
    assert_eq!(r["isError"], true, "{r}");
    let text = r["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("archived") && text.contains("Archive") && text.contains("State<"),
        "{text}"
    );
    let r = c.call(2, "visit", json!({"name": "Ada"})).await;
    assert_eq!(r["content"][0]["text"], "Hello, Ada (visit 1)", "{r}");
}

#[tokio::test]
async fn a_direct_call_with_a_context_carrying_state() {
    // Calling through a registry from plain Rust (a unit test of one's own tool).
    let registry = Registry::from_inventory().unwrap();
    let ctx = Context::detached().with_app_state(state(false).into());
    let r = registry
        .call("visit", json!({"name": "Bob"}), ctx)
        .await
        .unwrap();
    assert_eq!(r.text.as_deref(), Some("Hello, Bob (visit 1)"));
}
