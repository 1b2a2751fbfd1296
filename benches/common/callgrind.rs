//! Instructions per request, counted by callgrind (valgrind): a figure that does not move with
//! the machine's load, unlike calls/s, so that a change of a few percent can be told from noise
//! in one run. It counts instructions, not time (cache misses, system calls and wake-ups are not
//! in it): the load benches say what the count is worth.
//!
//! The server runs under `valgrind --tool=callgrind` with its counters off; once it has served
//! a warm-up, they are zeroed (`callgrind_control -z`), the measured requests sent, and the
//! counters dumped (`callgrind_control -d`): the dump's total over the number of requests.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Whether valgrind (with `callgrind_control`) is installed.
pub fn available() -> bool {
    let runs = |program: &str| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    runs("valgrind") && runs("callgrind_control")
}

/// A server under callgrind: this bench binary run again with `args` and `addr`.
pub struct Counted {
    child: Child,
    out: String,
}

impl Counted {
    /// Starts it and waits (valgrind is slow to start) until `addr` accepts connections.
    pub fn start(args: &[&str], addr: std::net::SocketAddr) -> Counted {
        Self::start_with_env(args, &[], addr)
    }

    /// [`start`](Self::start), with extra environment variables.
    pub fn start_with_env(
        args: &[&str],
        env: &[(&str, &str)],
        addr: std::net::SocketAddr,
    ) -> Counted {
        let out = format!(
            "{}/sturdy-callgrind-{}-{}.out",
            std::env::temp_dir().display(),
            std::process::id(),
            addr.port()
        );
        let mut child = Command::new("valgrind")
            .args(["--tool=callgrind", "--quiet"])
            .arg(format!("--callgrind-out-file={out}"))
            .arg(std::env::current_exe().unwrap())
            .args(args)
            .arg(addr.to_string())
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("valgrind runs");
        for _ in 0..1200 {
            if std::net::TcpStream::connect(addr).is_ok() {
                return Counted { child, out };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("{args:?} did not start under valgrind");
    }

    /// Instructions per request over what `measure` sends (`requests` of them), after
    /// `warm_up` (not counted).
    pub fn per_request(
        mut self,
        warm_up: impl FnOnce(),
        measure: impl FnOnce(),
        requests: u64,
    ) -> u64 {
        warm_up();
        self.control("-z");
        measure();
        self.control("-d");
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The dump after zeroing is the first numbered part: `<out>.1`.
        let dump = format!("{}.1", self.out);
        let text = std::fs::read_to_string(&dump).expect("callgrind wrote its dump");
        let _ = std::fs::remove_file(&dump);
        let _ = std::fs::remove_file(&self.out);
        let total: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("totals:"))
            .and_then(|t| t.split_whitespace().next()?.parse().ok())
            .expect("a totals line");
        total / requests
    }

    fn control(&self, what: &str) {
        let ok = Command::new("callgrind_control")
            .arg(what)
            .arg(self.child.id().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "callgrind_control {what} failed");
    }
}
