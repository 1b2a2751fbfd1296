//! The command line every sturdy server answers: serve stdio, or `--list-tools`.

use crate::mcp::{Server, ServerInfo};
use crate::registry::Registry;
use crate::transport::stdio;
use serde_json::Value;
use std::process::ExitCode;
use std::sync::Arc;

/// A tool server binary: collects the linked `#[tool]`s and serves them as the command line says.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     sturdy_runtime::App::new("my-server", env!("CARGO_PKG_VERSION")).run().await
/// }
/// ```
pub struct App {
    info: ServerInfo,
}

const USAGE: &str = "usage: [--list-tools | --help]

  (no option)   serve MCP over stdio (newline-delimited JSON-RPC)
  --list-tools  print every tool (schemas, annotations, policies) as JSON and exit
  --help        print this help";

impl App {
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        App {
            info: ServerInfo::new(name, version),
        }
    }

    /// Guidance for the model using this server, sent to clients at start.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.info.instructions = Some(instructions.into());
        self
    }

    /// Runs with the process's command-line arguments.
    pub async fn run(self) -> ExitCode {
        self.run_with_args(std::env::args().skip(1)).await
    }

    /// Runs with the given arguments (without the program name).
    pub async fn run_with_args(self, args: impl IntoIterator<Item = String>) -> ExitCode {
        let args: Vec<String> = args.into_iter().collect();
        let registry = match Registry::from_inventory() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [] => {
                let server = Arc::new(Server::new(registry, self.info));
                match stdio::serve_stdio(server).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("error: stdio transport: {e}");
                        ExitCode::FAILURE
                    }
                }
            }
            ["--list-tools"] => {
                println!("{}", list_tools_json(&registry));
                ExitCode::SUCCESS
            }
            ["--help" | "-h"] => {
                println!("{} {}\n{USAGE}", self.info.name, self.info.version);
                ExitCode::SUCCESS
            }
            _ => {
                eprintln!("error: unexpected arguments {args:?}\n{USAGE}");
                ExitCode::from(2)
            }
        }
    }
}

/// The `--list-tools` document: `{"tools": [{name, description, inputSchema, outputSchema,
/// annotations, policies}]}`.
pub fn list_tools_json(registry: &Registry) -> String {
    let tools: Vec<Value> = registry
        .tools()
        .map(|t| {
            let mut v = serde_json::to_value(t).expect("tool info serialises");
            if let Value::Object(m) = &mut v {
                m.remove("_meta");
                m.insert("policies".into(), Value::Array(t.policies.clone()));
            }
            v
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "tools": tools })).expect("serialises")
}
