//! A real OTLP receiver: `otelsink`, the HTTP or the gRPC sink of OpenTelemetry's `oteltest`
//! (from PyPI), which decodes each export with the official OTLP protobuf definitions. Installed
//! into a virtualenv under `<target>/python-sdk/` on first use, started on a free 127.0.0.1
//! port, and stopped with the test. Each export it receives is printed as one JSON line, read
//! back here.

use super::python::sdk_venv;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The pinned release the tests run.
pub const OTELTEST: &str = "oteltest==0.49.0";
/// Longest the sink may take to listen after it was started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The sink (`argv`: port, `http` or `grpc`), with the library's servers bound to 127.0.0.1
/// (they bind every interface otherwise) and a handler printing each export request as JSON.
const SINK: &str = r#"
import http.server, json, logging, sys, grpc
from google.protobuf.json_format import MessageToDict
from oteltest.sink import GrpcSink, HttpSink
from oteltest.sink.handler import RequestHandler

bind = http.server.HTTPServer.__init__
def loopback(self, address, handler, *rest, **named):
    bind(self, ("127.0.0.1", address[1]), handler, *rest, **named)
http.server.HTTPServer.__init__ = loopback

grpc_server = grpc.server
def loopback_grpc(*args, **named):
    server = grpc_server(*args, **named)
    add_port = server.add_insecure_port
    server.add_insecure_port = lambda address: add_port("127.0.0.1:" + address.rsplit(":", 1)[1])
    return server
grpc.server = loopback_grpc

class Printer(RequestHandler):
    def handle_logs(self, request, headers):
        pass
    def handle_trace(self, request, headers):
        print(json.dumps({"traces": MessageToDict(request)}), flush=True)
    def handle_metrics(self, request, headers):
        print(json.dumps({"metrics": MessageToDict(request)}), flush=True)

port = int(sys.argv[1])
if sys.argv[2] == "grpc":
    sink = GrpcSink(Printer(), logging.getLogger("otelsink"), port=port)
    sink.start()
    sink.wait_for_termination()
else:
    HttpSink(Printer(), logging.getLogger("otelsink"), port=port, daemon=False).start()
"#;

pub struct OtelSink {
    child: Child,
    port: u16,
    received: Arc<Mutex<Vec<Value>>>,
}

impl OtelSink {
    /// The HTTP sink (OTLP over HTTP with protobuf).
    pub fn start() -> OtelSink {
        Self::start_speaking("http")
    }

    /// The gRPC sink.
    pub fn start_grpc() -> OtelSink {
        Self::start_speaking("grpc")
    }

    fn start_speaking(protocol: &str) -> OtelSink {
        let python = sdk_venv("oteltest-0.49", OTELTEST);
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(&python)
            .args(["-c", SINK, &port.to_string(), protocol])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start otelsink with {}: {e}", python.display()));
        let received = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = received.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(export) = serde_json::from_str(&line) {
                    sink.lock().unwrap().push(export);
                }
            }
        });
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < STARTUP_TIMEOUT,
                "otelsink did not listen on port {port} within {STARTUP_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        OtelSink {
            child,
            port,
            received,
        }
    }

    /// Where OTLP goes (`OTEL_EXPORTER_OTLP_ENDPOINT`): over HTTP, the exporter adds
    /// `/v1/metrics` and `/v1/traces`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every span received so far (in the OTLP JSON mapping).
    pub fn spans(&self) -> Vec<Value> {
        let received = self.received.lock().unwrap();
        received
            .iter()
            .flat_map(|export| {
                export["traces"]["resourceSpans"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .flat_map(|r| r["scopeSpans"].as_array().cloned().unwrap_or_default())
            .flat_map(|s| s["spans"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// Every data point of every metric received so far, each as
    /// `{"name": ..., "point": {...}}` (in the OTLP JSON mapping).
    pub fn points(&self) -> Vec<Value> {
        let received = self.received.lock().unwrap();
        let mut points = Vec::new();
        for export in received.iter() {
            let metrics = export["metrics"]["resourceMetrics"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|r| r["scopeMetrics"].as_array().into_iter().flatten())
                .flat_map(|s| s["metrics"].as_array().into_iter().flatten());
            for metric in metrics {
                let data = ["histogram", "sum", "gauge"]
                    .iter()
                    .find_map(|kind| metric.get(*kind));
                let data_points = data
                    .and_then(|d| d["dataPoints"].as_array())
                    .into_iter()
                    .flatten();
                for point in data_points {
                    points.push(serde_json::json!({"name": metric["name"], "point": point}));
                }
            }
        }
        points
    }

    /// The points, once `ready` says they are all there (within `timeout`).
    pub fn points_when(&self, timeout: Duration, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let points = self.points();
            if ready(&points) || started.elapsed() > timeout {
                return points;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for OtelSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of the attribute `key` of an OTLP data point (as a string).
pub fn attribute(point: &Value, key: &str) -> Option<String> {
    point["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| {
            let value = &a["value"];
            value["stringValue"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string())
        })
}
