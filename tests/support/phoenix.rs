//! A real OTLP receiver people read traces with: Arize Phoenix (`arize-phoenix` from PyPI),
//! installed into a virtualenv under `<target>/python-sdk/` on first use (about a minute with
//! access to PyPI), started on free 127.0.0.1 ports with its own working directory, and stopped
//! with the test. Spans are read back through its REST API.

use super::python::sdk_venv;
use serde_json::Value;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned release the tests run.
pub const PHOENIX: &str = "arize-phoenix==20.26.1";
/// Longest Phoenix may take to answer after it was started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

pub struct Phoenix {
    child: Child,
    port: u16,
    dir: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Phoenix {
    pub fn start() -> Phoenix {
        let python = sdk_venv("phoenix-20.26", PHOENIX);
        let (port, grpc) = (free_port(), free_port());
        let dir =
            std::env::temp_dir().join(format!("sturdy-phoenix-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("Phoenix's working directory");
        // Its entry point run by the venv's interpreter (the venv's scripts name the directory
        // it was built in, before it was moved into place).
        let child = Command::new(&python)
            .args([
                "-c",
                "import sys; from phoenix.server.main import main; sys.exit(main())",
                "serve",
            ])
            .env("PHOENIX_HOST", "127.0.0.1")
            .env("PHOENIX_PORT", port.to_string())
            .env("PHOENIX_GRPC_PORT", grpc.to_string())
            .env("PHOENIX_WORKING_DIR", &dir)
            .env("PHOENIX_TELEMETRY_ENABLED", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Phoenix with {}: {e}", python.display()));
        let server = Phoenix { child, port, dir };
        let started = Instant::now();
        while server.get("/v1/projects").is_none() {
            assert!(
                started.elapsed() < STARTUP_TIMEOUT,
                "Phoenix did not answer on port {port} within {STARTUP_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        server
    }

    /// Where OTLP goes (`OTEL_EXPORTER_OTLP_ENDPOINT`): the exporter adds `/v1/traces`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn get(&self, path: &str) -> Option<Value> {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let response = reqwest::Client::new().get(url).send().await.ok()?;
            if !response.status().is_success() {
                return None;
            }
            let body = response.bytes().await.ok()?;
            serde_json::from_slice(&body).ok()
        })
    }

    /// Every span received so far (of the default project).
    pub fn spans(&self) -> Vec<Value> {
        self.get("/v1/projects/default/spans?limit=1000")
            .and_then(|v| v["data"].as_array().cloned())
            .unwrap_or_default()
    }

    /// The spans, once `ready` says they are all there (within `timeout`).
    pub fn spans_when(&self, timeout: Duration, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let spans = self.spans();
            if ready(&spans) || started.elapsed() > timeout {
                return spans;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Phoenix {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
