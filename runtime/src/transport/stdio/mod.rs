//! stdio transport: newline-delimited JSON-RPC on stdin/stdout.
//!
//! Requests are handled concurrently (responses may interleave, as MCP allows); the number in
//! flight is capped so that a client pipelining without limit meets back-pressure instead of
//! growing memory. Lines longer than the limit are answered with a parse error and skipped. At end
//! of input the in-flight requests finish and their responses are written before the transport
//! returns.
//!
//! Throughput: each request is first polled once where it was read. Most requests (`tools/list`,
//! async tools that do not wait on anything) finish right there; their responses are gathered and
//! written with one write per burst of input, as a hand-written loop would. Only requests that
//! actually wait (sync tools on the blocking pool, I/O, timers) become tasks of their own. For the
//! process's own stdin/stdout, [`serve_stdio`] reads and writes on dedicated threads with blocking
//! calls: tokio's `Stdin`/`Stdout` hand every read and write to the blocking pool, a thread hop per
//! operation that dominated the cost of a small request.

mod inflight;

use crate::line_framing::{Fed, Line, LineSplitter};
use crate::mcp::Server;
use crate::protocol::jsonrpc::{self, RpcError};
use inflight::{InFlight, Started};
use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

/// Limits of the stdio transport.
#[derive(Debug, Clone)]
pub struct StdioOptions {
    /// Longest accepted message; a longer line is answered with a parse error and skipped.
    pub max_message_bytes: usize,
    /// Requests waiting at the same time; reading pauses while this many are in flight.
    pub max_in_flight: usize,
}

impl Default for StdioOptions {
    fn default() -> Self {
        StdioOptions {
            max_message_bytes: 16 * 1024 * 1024,
            max_in_flight: 1024,
        }
    }
}

/// Reads one line into `$line` with `$fill` (`reader.fill_buf()`, awaited or not): the same
/// loop for the blocking and the async transport, which differ only in how they wait for input.
macro_rules! read_line {
    ($reader:ident, $fill:expr, $splitter:ident, $line:ident) => {
        loop {
            let buf = match $fill {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(e),
            };
            if buf.is_empty() {
                break Ok($splitter.finish(&$line));
            }
            match $splitter.feed(buf, &mut $line) {
                Fed::Line { consumed, too_long } => {
                    $reader.consume(consumed);
                    break Ok(if too_long {
                        Line::TooLong
                    } else {
                        Line::Complete
                    });
                }
                Fed::Partial => {
                    let n = buf.len();
                    $reader.consume(n);
                }
            }
        }
    };
}

/// Handles a line just read (not end of input): answers it into `batch` when it is done at once,
/// or returns the request that has to wait for a slot.
fn take_line(
    read: Line,
    line: &mut Vec<u8>,
    inflight: &mut InFlight,
    batch: &mut Vec<u8>,
    options: &StdioOptions,
) -> Option<inflight::Request> {
    match read {
        Line::Eof => None,
        Line::TooLong => {
            append(batch, &too_long_error(options));
            None
        }
        Line::Complete if is_blank(line) => None,
        Line::Complete => match inflight.start(std::mem::take(line)) {
            Started::Done(response) => {
                if let Some(response) = response {
                    append(batch, &response);
                }
                None
            }
            Started::Waiting(request) => Some(request),
        },
    }
}

/// Largest batch of responses kept before writing.
const BATCH_BYTES: usize = 64 * 1024;
const READ_BUFFER: usize = 64 * 1024;

/// Serves `server` on this process's stdin and stdout until stdin closes.
pub async fn serve_stdio(server: Arc<Server>) -> io::Result<()> {
    serve_blocking_io(server, io::stdin(), io::stdout(), StdioOptions::default()).await
}

/// Serves `server` on blocking byte streams (stdin/stdout, pipes, files), reading and writing on
/// dedicated threads.
pub async fn serve_blocking_io<R, W>(
    server: Arc<Server>,
    reader: R,
    writer: W,
    options: StdioOptions,
) -> io::Result<()>
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>(options.max_in_flight.max(1));
    let writer = Arc::new(Mutex::new(writer));
    let writer_thread = {
        let writer = writer.clone();
        tokio::task::spawn_blocking(move || blocking_write_loop(&writer, out_rx))
    };
    let handle = Handle::current();
    let reader_thread = tokio::task::spawn_blocking(move || {
        blocking_read_loop(&handle, server, reader, &writer, out_tx, &options)
    });
    let read_result = reader_thread.await.map_err(io::Error::other)?;
    let write_result = writer_thread.await.map_err(io::Error::other)?;
    read_result.and(write_result)
}

fn blocking_read_loop<R: Read, W: Write>(
    handle: &Handle,
    server: Arc<Server>,
    reader: R,
    writer: &Mutex<W>,
    out_tx: mpsc::Sender<Vec<u8>>,
    options: &StdioOptions,
) -> io::Result<()> {
    let _runtime = handle.enter();
    let mut inflight = InFlight::new(server, out_tx.clone(), options.max_in_flight);
    let mut reader = io::BufReader::with_capacity(READ_BUFFER, reader);
    let mut splitter = LineSplitter::new(options.max_message_bytes);
    let mut line = Vec::new();
    let mut batch = Vec::new();
    let result = loop {
        if !batch.is_empty() && (reader.buffer().is_empty() || batch.len() >= BATCH_BYTES) {
            if let Err(e) = write_locked(writer, &mut batch) {
                break Err(e);
            }
        }
        line.clear();
        let read = read_line!(reader, reader.fill_buf(), splitter, line);
        match read {
            Ok(Line::Eof) => break Ok(()),
            Ok(read) => {
                if let Some(request) =
                    take_line(read, &mut line, &mut inflight, &mut batch, options)
                {
                    let permit = handle.block_on(inflight.permit());
                    inflight.spawn(request, permit);
                }
            }
            Err(e) => break Err(e),
        }
    };
    let flushed = if batch.is_empty() {
        Ok(())
    } else {
        write_locked(writer, &mut batch)
    };
    handle.block_on(inflight.drain());
    // Tell the writer to finish: a tool may still hold a `Context` (and with it a sender).
    let _ = out_tx.blocking_send(Vec::new());
    result.and(flushed)
}

/// Writes messages from waiting requests and notifications; an empty message ends the loop.
fn blocking_write_loop<W: Write>(
    writer: &Mutex<W>,
    mut rx: mpsc::Receiver<Vec<u8>>,
) -> io::Result<()> {
    let mut chunk = Vec::new();
    while let Some(msg) = rx.blocking_recv() {
        let done = gather(msg, &mut rx, &mut chunk);
        if !chunk.is_empty() {
            write_locked(writer, &mut chunk)?;
        }
        if done {
            break;
        }
    }
    Ok(())
}

/// Writes the batch as lines and empties it.
fn write_locked<W: Write>(writer: &Mutex<W>, batch: &mut Vec<u8>) -> io::Result<()> {
    batch.push(b'\n');
    let mut w = writer.lock().unwrap_or_else(|p| p.into_inner());
    let result = w.write_all(batch).and_then(|()| w.flush());
    batch.clear();
    result
}

/// Joins `first` and whatever else is queued into `chunk`, so a burst shares one write; true when
/// an empty message (the end marker) was among them.
fn gather(first: Vec<u8>, rx: &mut mpsc::Receiver<Vec<u8>>, chunk: &mut Vec<u8>) -> bool {
    let mut done = first.is_empty();
    append(chunk, &first);
    while let Ok(more) = rx.try_recv() {
        done |= more.is_empty();
        append(chunk, &more);
    }
    done
}

/// Adds one message to a newline-joined batch.
fn append(batch: &mut Vec<u8>, message: &[u8]) {
    if message.is_empty() {
        return;
    }
    if !batch.is_empty() {
        batch.push(b'\n');
    }
    batch.extend_from_slice(message);
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

fn too_long_error(options: &StdioOptions) -> Vec<u8> {
    let err = RpcError::new(
        jsonrpc::PARSE_ERROR,
        format!("message longer than {} bytes", options.max_message_bytes),
    );
    jsonrpc::error_response(None, &err)
}

/// Serves `server` on any async byte stream pair (a socket, an in-memory pipe in tests).
pub async fn serve<R, W>(
    server: Arc<Server>,
    reader: R,
    writer: W,
    options: StdioOptions,
) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let mut reader = BufReader::with_capacity(READ_BUFFER, reader);
    let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>(options.max_in_flight.max(1));
    let writer_task = tokio::spawn(async_write_loop(writer, out_rx));
    let mut inflight = InFlight::new(server, out_tx.clone(), options.max_in_flight);
    let mut splitter = LineSplitter::new(options.max_message_bytes);
    let mut line = Vec::new();
    let mut batch = Vec::new();
    let mut read_result = Ok(());
    loop {
        if !batch.is_empty() && (reader.buffer().is_empty() || batch.len() >= BATCH_BYTES) {
            let full = std::mem::take(&mut batch);
            if out_tx.send(full).await.is_err() {
                break;
            }
        }
        line.clear();
        let read = read_line!(reader, reader.fill_buf().await, splitter, line);
        match read {
            Ok(Line::Eof) => break,
            Ok(read) => {
                if let Some(request) =
                    take_line(read, &mut line, &mut inflight, &mut batch, &options)
                {
                    let permit = inflight.permit().await;
                    inflight.spawn(request, permit);
                }
            }
            Err(e) => {
                read_result = Err(e);
                break;
            }
        }
    }
    if !batch.is_empty() {
        let _ = out_tx.send(batch).await;
    }
    inflight.drain().await;
    let _ = out_tx.send(Vec::new()).await;
    let write_result = writer_task.await.map_err(io::Error::other)?;
    read_result.and(write_result)
}

/// Async counterpart of [`blocking_write_loop`].
async fn async_write_loop<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut rx: mpsc::Receiver<Vec<u8>>,
) -> io::Result<()> {
    let mut chunk = Vec::new();
    while let Some(msg) = rx.recv().await {
        let done = gather(msg, &mut rx, &mut chunk);
        if !chunk.is_empty() {
            chunk.push(b'\n');
            writer.write_all(&chunk).await?;
            writer.flush().await?;
            chunk.clear();
        }
        if done {
            break;
        }
    }
    writer.flush().await
}
