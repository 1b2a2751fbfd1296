//! A real `redis-server` (the Debian package) on a free 127.0.0.1 port, without persistence,
//! started and stopped by the test. When it is missing, the first test installs it with apt-get
//! (as root; `.ci/run` does it beforehand); where that cannot be done, the tests fail saying what
//! to install. They never skip.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest `redis-server` may take to answer `PING` after it was started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    /// With TLS: its port and certificates (the plain `port` stays open for the test's checks).
    tls: Option<(u16, TlsFiles)>,
}

/// PEM files of a test's own CA, the server's certificate (for 127.0.0.1) and a client's, all
/// signed by that CA; removed with the server.
pub struct TlsFiles {
    pub dir: PathBuf,
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

impl TlsFiles {
    fn generate(dir: PathBuf) -> TlsFiles {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        std::fs::create_dir_all(&dir).expect("certificate directory");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // Distinct names: a certificate whose issuer reads like its subject looks self-signed.
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "sturdy test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let ca = Issuer::new(ca_params, ca_key);
        let signed = |names: Vec<String>| {
            let key = KeyPair::generate().expect("key");
            let mut params = CertificateParams::new(names.clone()).expect("params");
            params
                .distinguished_name
                .push(DnType::CommonName, names[0].as_str());
            let cert = params.signed_by(&key, &ca).expect("certificate");
            (cert.pem(), key.serialize_pem())
        };
        let (server_pem, server_key_pem) = signed(vec!["127.0.0.1".into(), "localhost".into()]);
        let (client_pem, client_key_pem) = signed(vec!["sturdy-test-client".into()]);
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("write certificate");
            path
        };
        TlsFiles {
            ca_cert: write("ca.pem", &ca_cert.pem()),
            server_cert: write("server.pem", &server_pem),
            server_key: write("server-key.pem", &server_key_pem),
            client_cert: write("client.pem", &client_pem),
            client_key: write("client-key.pem", &client_key_pem),
            dir,
        }
    }
}

impl RedisServer {
    /// Starts one on a free port.
    pub fn start() -> RedisServer {
        Self::start_on(free_port())
    }

    /// Starts one on `port` (to bring a stopped one back where its clients look for it).
    pub fn start_on(port: u16) -> RedisServer {
        Self::spawn(port, None, &[])
    }

    /// Starts one that also listens with TLS (`rediss://`) on another port, its certificate
    /// signed by a CA made for the test; clients must present a certificate of that CA.
    pub fn start_tls() -> RedisServer {
        let tls_port = free_port();
        let dir = std::env::temp_dir().join(format!(
            "sturdy-redis-tls-{}-{tls_port}",
            std::process::id()
        ));
        Self::spawn(free_port(), Some((tls_port, TlsFiles::generate(dir))), &[])
    }

    fn spawn(port: u16, tls: Option<(u16, TlsFiles)>, extra: &[String]) -> RedisServer {
        ensure_installed();
        let mut command = Command::new("redis-server");
        command.args(extra);
        if let Some((tls_port, files)) = &tls {
            command
                .args(["--tls-port", &tls_port.to_string()])
                .arg("--tls-cert-file")
                .arg(&files.server_cert)
                .arg("--tls-key-file")
                .arg(&files.server_key)
                .arg("--tls-ca-cert-file")
                .arg(&files.ca_cert)
                .args(["--tls-auth-clients", "yes"]);
        }
        let child = command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): install it (Debian: apt-get install -y \
                     redis-server); .ci/run does"
                )
            });
        let server = RedisServer {
            child: Some(child),
            port,
            tls,
        };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while server.command(&["PING"]).as_deref() != Some("PONG") {
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} did not answer PING"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// `redis://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `rediss://127.0.0.1:<tls port>` (a server started with [`start_tls`](Self::start_tls)).
    pub fn tls_url(&self) -> String {
        format!("rediss://127.0.0.1:{}", self.tls().0)
    }

    /// The certificates of a server started with [`start_tls`](Self::start_tls).
    pub fn tls_files(&self) -> &TlsFiles {
        &self.tls().1
    }

    fn tls(&self) -> &(u16, TlsFiles) {
        self.tls.as_ref().expect("started with start_tls")
    }

    /// Sends one command (arguments without spaces or newlines) and returns a simple-string,
    /// integer or bulk-string answer as text; `None` when it cannot be reached or answers with
    /// something else (an array, an error).
    pub fn command(&self, args: &[&str]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut request = format!("*{}\r\n", args.len());
        for a in args {
            request.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream.write_all(request.as_bytes()).ok()?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        match line.as_bytes().first()? {
            b'+' | b':' => Some(line[1..].to_owned()),
            b'$' => {
                let len: i64 = line[1..].parse().ok()?;
                if len < 0 {
                    return None;
                }
                let mut value = String::new();
                reader.read_line(&mut value).ok()?;
                Some(value.trim_end().to_owned())
            }
            _ => None,
        }
    }

    /// The keys matching `pattern` (`KEYS`: fine on a test's few keys).
    pub fn keys(&self, pattern: &str) -> Vec<String> {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return Vec::new();
        };
        let request = format!("*2\r\n$4\r\nKEYS\r\n${}\r\n{pattern}\r\n", pattern.len());
        if stream.write_all(request.as_bytes()).is_err() {
            return Vec::new();
        }
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap_or_default();
        let count: usize = line.trim_end().trim_start_matches('*').parse().unwrap_or(0);
        (0..count)
            .filter_map(|_| {
                let (mut len, mut key) = (String::new(), String::new());
                reader.read_line(&mut len).ok()?;
                reader.read_line(&mut key).ok()?;
                Some(key.trim_end().to_owned())
            })
            .collect()
    }

    /// Kills it (as a crash would) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A Redis Cluster of `redis-server`s on free ports (masters only, the slots split evenly),
/// formed with `redis-cli --cluster create`; stopped and removed with it.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
    dir: PathBuf,
}

impl RedisCluster {
    pub fn start(size: usize) -> RedisCluster {
        let dir = std::env::temp_dir().join(format!(
            "sturdy-redis-cluster-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).expect("cluster directory");
        let nodes: Vec<RedisServer> = (0..size)
            .map(|_| {
                let port = free_port();
                let config = dir.join(format!("nodes-{port}.conf"));
                let extra = [
                    "--cluster-enabled".to_owned(),
                    "yes".to_owned(),
                    "--cluster-config-file".to_owned(),
                    config.display().to_string(),
                    "--dir".to_owned(),
                    dir.display().to_string(),
                ];
                RedisServer::spawn(port, None, &extra)
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli (Debian: redis-tools, installed with redis-server)");
        assert!(
            created.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        let cluster = RedisCluster { nodes, dir };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while !cluster.nodes.iter().all(|n| n.cluster_ok()) {
            assert!(Instant::now() < deadline, "the cluster never became ok");
            std::thread::sleep(Duration::from_millis(50));
        }
        cluster
    }

    /// The seed nodes' URLs, separated by commas (`STURDY_REDIS_URL` of a cluster).
    pub fn urls(&self) -> String {
        let urls: Vec<String> = self.nodes.iter().map(RedisServer::url).collect();
        urls.join(",")
    }

    /// The keys matching `pattern` on each node.
    pub fn keys_by_node(&self, pattern: &str) -> Vec<Vec<String>> {
        self.nodes.iter().map(|n| n.keys(pattern)).collect()
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl RedisServer {
    /// Whether `CLUSTER INFO` says `cluster_state:ok`.
    fn cluster_ok(&self) -> bool {
        Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "cluster", "info"])
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("cluster_state:ok"))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        if let Some((_, files)) = &self.tls {
            let _ = std::fs::remove_dir_all(&files.dir);
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// Installs `redis-server` with apt-get when it is missing, once per test process.
pub fn ensure_installed() {
    static INSTALLED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    INSTALLED.get_or_init(|| super::install::apt_package("redis-server", "redis-server"));
}
