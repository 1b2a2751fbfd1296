//! A server run as a child process, spoken to over its stdin and stdout (one JSON-RPC message per
//! line): lines read with a size limit (a longer one is dropped whole, never held), its stderr
//! kept (the last [`STDERR_KEPT`] bytes, for the errors that say why it stopped), and the process
//! killed with the client.

use super::peer::Peer;
use crate::line_framing::{Fed, Line, LineSplitter};
use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// How much of the server's stderr is kept.
pub(super) const STDERR_KEPT: usize = 16 * 1024;

/// Messages waiting to be written to the server.
const OUTGOING: usize = 256;

/// The running server process, killed when dropped.
pub(super) struct StdioServer {
    _child: Child,
    stderr: Arc<Mutex<VecDeque<u8>>>,
}

impl StdioServer {
    /// The end of what the server wrote to stderr.
    pub(super) fn stderr(&self) -> String {
        tail(&self.stderr)
    }
}

fn tail(kept: &Mutex<VecDeque<u8>>) -> String {
    let kept = kept.lock().unwrap_or_else(|p| p.into_inner());
    String::from_utf8_lossy(&kept.iter().copied().collect::<Vec<u8>>()).into_owned()
}

/// Starts `command` and the tasks that carry its messages: what it says goes to the peer made
/// by `peer` (given the sending half of its stdin), until it closes its stdout.
pub(super) fn spawn(
    mut command: Command,
    name: String,
    max_message_bytes: usize,
    peer: impl FnOnce(String, mpsc::Sender<Vec<u8>>) -> Arc<Peer>,
) -> Result<(StdioServer, Arc<Peer>), String> {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|e| format!("{name}: cannot start: {e}"))?;
    let (stdin, stdout, stderr) = (
        child.stdin.take().expect("piped"),
        child.stdout.take().expect("piped"),
        child.stderr.take().expect("piped"),
    );
    let (outgoing, mut to_write) = mpsc::channel::<Vec<u8>>(OUTGOING);
    let peer = peer(name.clone(), outgoing);
    let kept = Arc::new(Mutex::new(VecDeque::new()));
    tokio::spawn(keep_stderr(stderr, kept.clone()));
    // Writes each message as one line.
    tokio::spawn(async move {
        let mut stdin = stdin;
        while let Some(mut message) = to_write.recv().await {
            message.push(b'\n');
            if stdin.write_all(&message).await.is_err() || stdin.flush().await.is_err() {
                return;
            }
        }
    });
    let reader_peer = peer.clone();
    let reader_kept = kept.clone();
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdout);
        let mut splitter = LineSplitter::new(max_message_bytes);
        let mut line = Vec::new();
        let why = loop {
            line.clear();
            match read_line(&mut reader, &mut splitter, &mut line).await {
                Ok(Line::Complete) => reader_peer.receive(&line),
                Ok(Line::TooLong) => tracing::warn!(
                    target: "sturdy::client",
                    server = %reader_peer.server,
                    "a message over {max_message_bytes} bytes, dropped"
                ),
                Ok(Line::Eof) => break format!("{name}: the server closed its output"),
                Err(e) => break format!("{name}: reading its output failed: {e}"),
            }
        };
        // Its last words, if any, say why.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let stderr = tail(&reader_kept);
        let why = if stderr.trim().is_empty() {
            why
        } else {
            format!("{why}; its stderr ends with:\n{}", stderr.trim_end())
        };
        reader_peer.close(why);
    });
    Ok((
        StdioServer {
            _child: child,
            stderr: kept,
        },
        peer,
    ))
}

/// Reads one line (without its newline) into `line`, no more than the splitter's limit of it.
async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    splitter: &mut LineSplitter,
    line: &mut Vec<u8>,
) -> std::io::Result<Line> {
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(splitter.finish(line));
        }
        match splitter.feed(buf, line) {
            Fed::Line { consumed, too_long } => {
                reader.consume(consumed);
                return Ok(if too_long {
                    Line::TooLong
                } else {
                    Line::Complete
                });
            }
            Fed::Partial => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

/// Keeps the last [`STDERR_KEPT`] bytes the server writes to stderr.
async fn keep_stderr(mut stderr: tokio::process::ChildStderr, kept: Arc<Mutex<VecDeque<u8>>>) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = stderr.read(&mut buf).await {
        if n == 0 {
            return;
        }
        let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.extend(&buf[..n]);
        let excess = kept.len().saturating_sub(STDERR_KEPT);
        kept.drain(..excess);
    }
}
