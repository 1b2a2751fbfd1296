//! Server-sent events as the Streamable HTTP transport uses them: events split from a byte
//! stream, their `data:` joined, and where a stream stopped (to resume it).

use reqwest::header::HeaderValue;
use serde_json::Value;
use std::time::Duration;

/// Where an SSE stream stopped, to resume it.
#[derive(Default)]
pub(super) struct StreamState {
    /// The id of its last event that had one (`Last-Event-ID` when resuming).
    pub(super) last_id: Option<HeaderValue>,
    /// How long the server asked a client to wait before reconnecting.
    pub(super) retry: Option<Duration>,
    /// The request whose answer stream this is: questions on it are asked on its behalf.
    pub(super) related: Option<u64>,
    /// Events with data read so far.
    pub(super) received: usize,
    /// The request whose answer is kept here rather than handed to the peer.
    pub(super) capture: Option<u64>,
    pub(super) captured: Option<Value>,
}

/// Whether `message` is the answer to request `id`.
pub(super) fn answers(message: &[u8], id: u64) -> bool {
    serde_json::from_slice::<Value>(message)
        .is_ok_and(|m| m.get("method").is_none() && m["id"].as_u64() == Some(id))
}

/// The value of field `name` in one event (its last, when repeated).
pub(super) fn event_field(event: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    event
        .split(|b| *b == b'\n')
        .filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let value = line.strip_prefix(name)?.strip_prefix(b":")?;
            Some(value.strip_prefix(b" ").unwrap_or(value).to_vec())
        })
        .next_back()
}

/// Where the first event in `buffer` ends, and the length of the blank line after it.
pub(super) fn event_end(buffer: &[u8]) -> Option<(usize, usize)> {
    let lf = memchr::memmem::find(buffer, b"\n\n").map(|i| (i, 2));
    let crlf = memchr::memmem::find(buffer, b"\r\n\r\n").map(|i| (i, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The data of one event (its `data:` lines joined), when it has some.
pub(super) fn event_data(event: &[u8]) -> Option<Vec<u8>> {
    let mut data: Option<Vec<u8>> = None;
    for line in event.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(value) = line.strip_prefix(b"data:") {
            let value = value.strip_prefix(b" ").unwrap_or(value);
            let data = data.get_or_insert_with(Vec::new);
            if !data.is_empty() {
                data.push(b'\n');
            }
            data.extend_from_slice(value);
        }
    }
    data.filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_and_their_data_joined() {
        let stream = b"id: 1\ndata: {\"a\":\ndata: 1}\n\n: comment\r\n\r\nevent: x\ndata:2\n\n";
        let (end, gap) = event_end(stream).unwrap();
        assert_eq!(event_field(&stream[..end], b"id").unwrap(), b"1");
        assert_eq!(event_field(&stream[..end], b"retry"), None);
        assert_eq!(event_data(&stream[..end]).unwrap(), b"{\"a\":\n1}");
        let rest = &stream[end + gap..];
        let (end, gap) = event_end(rest).unwrap();
        assert_eq!(event_data(&rest[..end]), None);
        let rest = &rest[end + gap..];
        let (end, _) = event_end(rest).unwrap();
        assert_eq!(event_data(&rest[..end]).unwrap(), b"2");
        assert_eq!(event_end(b"data: partial"), None);
    }
}
