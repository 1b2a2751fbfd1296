//! stdio transport: newline-delimited JSON-RPC on stdin/stdout.
//!
//! Requests are handled concurrently (responses may interleave, as MCP allows); the number in
//! flight is capped so that a client pipelining without limit applies back-pressure instead of
//! growing memory. At end of input the in-flight requests finish and their responses are written
//! before the transport returns.
//!
//! Throughput: each request is first polled once on the reading task. Most requests (`tools/list`,
//! async tools that do not wait on anything) finish right there; their responses are gathered and
//! written with one write per burst of input, as a hand-written loop would. Only requests that
//! actually wait (sync tools on the blocking pool, I/O, timers) become tasks of their own.

use crate::mcp::jsonrpc::{self, RpcError};
use crate::mcp::{Server, Session};
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

/// Limits of the stdio transport.
#[derive(Debug, Clone)]
pub struct StdioOptions {
    /// Longest accepted message; a longer line is answered with a parse error and skipped.
    pub max_message_bytes: usize,
    /// Requests handled at the same time; reading pauses while this many are in flight.
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

/// Serves `server` on this process's stdin and stdout until stdin closes.
pub async fn serve_stdio(server: Arc<Server>) -> io::Result<()> {
    serve(
        server,
        tokio::io::stdin(),
        tokio::io::stdout(),
        StdioOptions::default(),
    )
    .await
}

/// Serves `server` on any byte stream pair (stdio, a pipe, an in-memory duplex in tests).
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
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>(options.max_in_flight.max(1));
    let writer_task = tokio::spawn(write_loop(writer, out_rx));
    let session = Arc::new(Session::new(Some(out_tx.clone())));
    let permits = Arc::new(Semaphore::new(options.max_in_flight.max(1)));
    let mut tasks = JoinSet::new();
    let mut line = Vec::new();
    // Responses of requests finished on this task, joined by newlines, written once the input
    // buffered so far is used up.
    let mut batch = Vec::new();
    let mut read_result = Ok(());
    loop {
        let flush_batch =
            !batch.is_empty() && (reader.buffer().is_empty() || batch.len() >= BATCH_BYTES);
        if flush_batch && out_tx.send(std::mem::take(&mut batch)).await.is_err() {
            break;
        }
        line.clear();
        match read_line(&mut reader, &mut line, options.max_message_bytes).await {
            Ok(Line::Eof) => break,
            Ok(Line::TooLong) => {
                let err = RpcError::new(
                    jsonrpc::PARSE_ERROR,
                    format!("message longer than {} bytes", options.max_message_bytes),
                );
                if out_tx
                    .send(jsonrpc::error_response(None, &err))
                    .await
                    .is_err()
                {
                    break;
                }
                continue;
            }
            Ok(Line::Complete) => {}
            Err(e) => {
                read_result = Err(e);
                break;
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        while tasks.try_join_next().is_some() {}
        let (server, session_ref, message) =
            (server.clone(), session.clone(), std::mem::take(&mut line));
        let mut request: Pin<Box<dyn Future<Output = Option<Vec<u8>>> + Send>> =
            Box::pin(async move { server.handle(&session_ref, &message).await });
        match poll_fn(|cx| Poll::Ready(request.as_mut().poll(cx))).await {
            Poll::Ready(Some(response)) => {
                if !batch.is_empty() {
                    batch.push(b'\n');
                }
                batch.extend_from_slice(&response);
            }
            Poll::Ready(None) => {}
            Poll::Pending => {
                let permit = permits
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed");
                let out = out_tx.clone();
                tasks.spawn(async move {
                    if let Some(response) = request.await {
                        // The writer is gone only when stdout is closed; nothing left to tell then.
                        let _ = out.send(response).await;
                    }
                    drop(permit);
                });
            }
        }
    }
    if !batch.is_empty() {
        let _ = out_tx.send(batch).await;
    }
    while tasks.join_next().await.is_some() {}
    drop(out_tx);
    drop(session);
    let write_result = writer_task.await.map_err(io::Error::other)?;
    read_result.and(write_result)
}

/// Largest batch of responses kept before writing.
const BATCH_BYTES: usize = 64 * 1024;

enum Line {
    Complete,
    TooLong,
    Eof,
}

/// Reads one line without the newline, never buffering more than `max` bytes of it.
async fn read_line<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
    let mut too_long = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(match (too_long, line.is_empty()) {
                (true, _) => Line::TooLong,
                (false, true) => Line::Eof,
                (false, false) => Line::Complete,
            });
        }
        let (chunk, found) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], true),
            None => (buf, false),
        };
        if !too_long && line.len() + chunk.len() <= max {
            line.extend_from_slice(chunk);
        } else {
            too_long = true;
            line.clear();
        }
        let used = chunk.len() + usize::from(found);
        reader.consume(used);
        if found {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Complete
            });
        }
    }
}

/// Writes each item as one line (an item may hold several messages joined by newlines), flushing
/// once the queue is momentarily empty so that bursts of responses share a write.
async fn write_loop<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut rx: mpsc::Receiver<Vec<u8>>,
) -> io::Result<()> {
    while let Some(mut msg) = rx.recv().await {
        msg.push(b'\n');
        writer.write_all(&msg).await?;
        while let Ok(mut more) = rx.try_recv() {
            more.push(b'\n');
            writer.write_all(&more).await?;
        }
        writer.flush().await?;
    }
    writer.flush().await
}
