//! `sturdy-gateway`: sturdy's resilience policies in front of MCP servers nobody here wrote.
//! Each upstream server (a command spoken to over stdio, or a Streamable HTTP URL) is reached
//! with `sturdy_runtime::client`; its tools are served under `<upstream><separator><tool>` behind the
//! breaker, retry, cache, limit and timeout its configuration gives, over stdio or HTTP with
//! everything a sturdy server has (security, Redis, OpenTelemetry, the status page).
//!
//! ```sh
//! sturdy-gateway --config gateway.toml                   # stdio
//! sturdy-gateway --config gateway.toml --http 127.0.0.1:8080
//! sturdy-gateway --config gateway.toml --check           # reach the upstreams, print, exit
//! sturdy-gateway --config gateway.toml --check --offline # the file alone
//! ```

mod catalog;
mod config;
mod duration;
mod presence;
mod replicas;
mod tools;
mod upstream;

use config::Config;
use serde_json::json;
use std::collections::BTreeMap;
use std::process::ExitCode;

const USAGE: &str = "usage: sturdy-gateway --config FILE [--check [--offline]] [--http ADDR]
  --config FILE  the gateway's configuration (TOML; see examples/gateway/gateway.toml);
                 STURDY_GATEWAY_CONFIG names it when --config does not
  --check        reach every upstream, print the tools it would serve with their policies, exit
                 (non-zero when the file or an upstream is wrong)
  --offline      with --check: check the file alone
  --http ADDR    serve Streamable HTTP on ADDR (else stdio); every setting of a sturdy server
                 applies (STURDY_* and OTEL_* variables: see a sturdy server's --help)";

/// What the command line asks.
struct Args {
    config: String,
    check: bool,
    offline: bool,
    /// The rest, for the server (`--http ADDR`, `--list`, …).
    serve: Vec<String>,
}

fn args() -> Result<Args, String> {
    let mut parsed = Args {
        config: String::new(),
        check: false,
        offline: false,
        serve: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => parsed.config = args.next().ok_or("--config needs a file")?,
            "--check" => parsed.check = true,
            "--offline" => parsed.offline = true,
            "--help" | "-h" => return Err(String::new()),
            _ => parsed.serve.push(arg),
        }
    }
    if parsed.config.is_empty() {
        parsed.config = std::env::var("STURDY_GATEWAY_CONFIG")
            .map_err(|_| "--config FILE (or STURDY_GATEWAY_CONFIG) is required")?;
    }
    if parsed.offline && !parsed.check {
        return Err("--offline goes with --check".into());
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(why) if why.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(why) => {
            eprintln!("error: {why}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match load(&args.config) {
        Ok(config) => config,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
    };
    if args.offline {
        println!(
            "{}: {} upstreams, valid",
            args.config,
            config.upstreams.len()
        );
        return ExitCode::SUCCESS;
    }
    // Every upstream at once; one that cannot be reached does not stop the others.
    let mut connected = BTreeMap::new();
    let mut unreachable = Vec::new();
    for (name, outcome) in reach_all(&config).await {
        match outcome {
            Ok(c) => {
                connected.insert(name, c);
            }
            Err(why) => unreachable.push(why),
        }
    }
    for why in &unreachable {
        eprintln!("warning: upstream {why}");
    }
    let served = tools::served(&config, &connected)
        .and_then(|tools| Ok((tools, catalog::served(&config, &connected)?)));
    let (tools, catalog) = match served {
        Ok(served) => served,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
    };
    for note in &catalog.notes {
        eprintln!("warning: {note}");
    }
    if args.check {
        print_check(&tools, &catalog);
        return if unreachable.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    serve(&config, &connected, tools, catalog, args.serve).await
}

/// The configuration in file `path`, checked.
fn load(path: &str) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    Config::parse(path, &text, |name| std::env::var(name).ok()).map_err(|e| e.to_string())
}

/// What `--check` prints: the tools with their policies, the resources and the prompts.
fn print_check(tools: &[tools::Served], catalog: &catalog::Catalog) {
    let listing: Vec<_> = tools
        .iter()
        .map(|s| {
            json!({
                "name": s.tool.info().name,
                "upstream": s.upstream,
                "tool": s.upstream_tool,
                "policies": s.tool.info().policies,
            })
        })
        .collect();
    let resources: Vec<_> = catalog
        .resources
        .iter()
        .map(|r| catalog::resource_key(r.listing()))
        .collect();
    let prompts: Vec<_> = catalog
        .prompts
        .iter()
        .map(|p| &p.listing()["name"])
        .collect();
    let document = json!({"tools": listing, "resources": resources, "prompts": prompts});
    println!("{}", serde_json::to_string_pretty(&document).expect("JSON"));
}

/// Serves `tools` and `catalog` as the rest of the command line says (stdio, `--http ADDR`),
/// each upstream's entries switched by whether it is up.
async fn serve(
    config: &Config,
    connected: &BTreeMap<String, replicas::Connected>,
    tools: Vec<tools::Served>,
    catalog: catalog::Catalog,
    args: Vec<String>,
) -> ExitCode {
    let mut owned: BTreeMap<String, presence::Owned> = BTreeMap::new();
    for s in &tools {
        let tools = &mut owned.entry(s.upstream.clone()).or_default().tools;
        tools.push(s.tool.info().name.clone());
    }
    for (upstream, (prompts, resources)) in catalog.owned {
        let entries = owned.entry(upstream).or_default();
        (entries.prompts, entries.resources) = (prompts, resources);
    }
    let presences: Vec<_> = connected
        .iter()
        .map(|(name, c)| {
            let owned = owned.remove(name).unwrap_or_default();
            (c.upstream.presence().clone(), owned)
        })
        .collect();
    // The clients live as long as the tools that call through them: kept by the tools.
    let app = sturdy_runtime::App::new(&config.name, env!("CARGO_PKG_VERSION"))
        .tools(tools.into_iter().map(|s| s.tool))
        .resources(catalog.resources)
        .prompts(catalog.prompts)
        .on_start(move |server| {
            for (presence, owned) in presences {
                presence.attach(owned.switched_by(server));
            }
        });
    app.run_with_args(args).await
}

/// Each upstream reached (or why not), by name: all started at once.
async fn reach_all(config: &Config) -> Vec<(String, Result<replicas::Connected, String>)> {
    futures_util::future::join_all(config.upstreams.iter().map(|(name, upstream)| async move {
        (
            name.clone(),
            replicas::connect(name, upstream.get_ref()).await,
        )
    }))
    .await
}
