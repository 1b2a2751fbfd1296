//! The HTTP load benches' client: a few lines of raw HTTP/1.1 on keep-alive connections, one
//! thread each, so that it costs the shared CPU as little as possible; and the servers they
//! drive, which are the bench binary itself run again with a mode flag.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A `POST /mcp` request with `headers` (each ending in `\r\n`) and `body`.
pub fn post(addr: SocketAddr, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends `request` and reads the response into `body`; returns the value of the header `keep`
/// (lower-case), if asked for and present.
pub fn exchange(
    writer: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
    request: &[u8],
    line: &mut String,
    body: &mut Vec<u8>,
    keep: Option<&str>,
) -> Option<String> {
    writer.write_all(request).unwrap();
    line.clear();
    reader.read_line(line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    let (mut length, mut kept) = (0, None);
    loop {
        line.clear();
        reader.read_line(line).unwrap();
        if line == "\r\n" {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().unwrap();
        } else if keep.is_some_and(|k| name.eq_ignore_ascii_case(k)) {
            kept = Some(value.trim().to_owned());
        }
    }
    body.resize(length, 0);
    reader.read_exact(body).unwrap();
    kept
}

/// What a run measured.
pub struct Run {
    pub calls_per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Requests answered in the run.
    pub calls: usize,
}

/// `concurrency` keep-alive connections, connection `i` to `servers[i % servers.len()]` (round
/// robin), each sending the request `request` gives it (after whatever handshake it does) back
/// to back for `seconds`.
pub fn drive<R>(servers: &[SocketAddr], concurrency: usize, seconds: f64, request: R) -> Run
where
    R: Fn(&mut TcpStream, &mut BufReader<TcpStream>) -> Requests + Clone + Send + 'static,
{
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..concurrency)
        .map(|i| {
            let (stop, addr, request) = (stop.clone(), servers[i % servers.len()], request.clone());
            std::thread::spawn(move || {
                let mut connection = Connection::open(addr, &request);
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let start = Instant::now();
                    connection.repeat();
                    latencies.push(start.elapsed());
                }
                latencies
            })
        })
        .collect();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = start.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    Run {
        calls: all.len(),
        calls_per_sec: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

/// `concurrency` keep-alive connections to `addr`, each sending the request `request` gives it
/// `per_connection` times (a fixed count, for counting instructions per request).
pub fn drive_count<R>(addr: SocketAddr, concurrency: usize, per_connection: usize, request: R)
where
    R: Fn(&mut TcpStream, &mut BufReader<TcpStream>) -> Requests + Clone + Send + 'static,
{
    let threads: Vec<_> = (0..concurrency)
        .map(|_| {
            let request = request.clone();
            std::thread::spawn(move || {
                let mut connection = Connection::open(addr, &request);
                for _ in 0..per_connection {
                    connection.repeat();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// What a connection sends: these requests in turn, from the first again after the last (one
/// request, repeated, for most arms).
pub type Requests = Vec<Vec<u8>>;

/// A keep-alive connection and the requests it repeats.
struct Connection {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    requests: Requests,
    next: usize,
    line: String,
    body: Vec<u8>,
}

impl Connection {
    /// Connects to `addr`; `request` does whatever handshake it needs and gives the requests.
    fn open<R>(addr: SocketAddr, request: &R) -> Connection
    where
        R: Fn(&mut TcpStream, &mut BufReader<TcpStream>) -> Requests,
    {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        let requests = request(&mut writer, &mut reader);
        assert!(
            !requests.is_empty(),
            "a connection sends at least one request"
        );
        Connection {
            writer,
            reader,
            requests,
            next: 0,
            line: String::new(),
            body: Vec::new(),
        }
    }

    /// Sends the next request and reads its response.
    fn repeat(&mut self) {
        let (line, body) = (&mut self.line, &mut self.body);
        let request = &self.requests[self.next];
        self.next = (self.next + 1) % self.requests.len();
        exchange(
            &mut self.writer,
            &mut self.reader,
            request,
            line,
            body,
            None,
        );
    }
}

/// A local address free to listen on.
pub fn free_address() -> SocketAddr {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// This bench binary run again with `args` and an address of its own appended (its server
/// mode), with `env`; returns once the address accepts connections.
pub fn spawn_self(cpu: Option<usize>, args: &[&str], env: &[(&str, &str)]) -> (Child, SocketAddr) {
    let addr = free_address();
    let mut child = super::pinning::command_on(cpu, std::env::current_exe().unwrap())
        .args(args)
        .arg(addr.to_string())
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if TcpStream::connect(addr).is_ok() {
            return (child, addr);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{args:?} did not start");
}

/// A process's resident memory, in KiB (0 when unknown).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
