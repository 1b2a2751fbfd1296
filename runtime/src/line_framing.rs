//! Newline framing with a size limit: the stdio transport's reading loops (blocking and async)
//! and the client's reading of a server over stdio.

/// Accumulates one line across buffer refills, never holding more than `max` bytes of it.
pub(crate) struct LineSplitter {
    max: usize,
    too_long: bool,
}

/// What [`LineSplitter::feed`] found in a buffer.
pub(crate) enum Fed {
    /// The line is complete (without its newline); `consumed` bytes of the buffer were used.
    Line { consumed: usize, too_long: bool },
    /// All of the buffer belongs to a line that continues.
    Partial,
}

/// One read outcome.
pub(crate) enum Line {
    Complete,
    TooLong,
    Eof,
}

impl LineSplitter {
    pub(crate) fn new(max: usize) -> Self {
        LineSplitter {
            max,
            too_long: false,
        }
    }

    /// Feeds buffered input. On `Partial` the caller consumes the whole buffer and refills.
    pub(crate) fn feed(&mut self, buf: &[u8], line: &mut Vec<u8>) -> Fed {
        let (chunk, found) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], true),
            None => (buf, false),
        };
        if !self.too_long && line.len() + chunk.len() <= self.max {
            line.extend_from_slice(chunk);
        } else {
            self.too_long = true;
            line.clear();
        }
        if found {
            let too_long = std::mem::take(&mut self.too_long);
            Fed::Line {
                consumed: chunk.len() + 1,
                too_long,
            }
        } else {
            Fed::Partial
        }
    }

    /// End of input: whatever was accumulated is the last line.
    pub(crate) fn finish(&mut self, line: &[u8]) -> Line {
        match (std::mem::take(&mut self.too_long), line.is_empty()) {
            (true, _) => Line::TooLong,
            (false, true) => Line::Eof,
            (false, false) => Line::Complete,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_across_refills_and_bounds_length() {
        let mut s = LineSplitter::new(5);
        let mut line = Vec::new();
        assert!(matches!(s.feed(b"ab", &mut line), Fed::Partial));
        assert!(matches!(
            s.feed(b"c\nrest", &mut line),
            Fed::Line {
                consumed: 2,
                too_long: false
            }
        ));
        assert_eq!(line, b"abc");
        line.clear();
        assert!(matches!(s.feed(b"toolongline", &mut line), Fed::Partial));
        assert!(matches!(
            s.feed(b"x\n", &mut line),
            Fed::Line {
                consumed: 2,
                too_long: true
            }
        ));
        assert!(line.is_empty());
        line.clear();
        assert!(matches!(s.feed(b"ok", &mut line), Fed::Partial));
        assert!(matches!(s.finish(&line), Line::Complete));
    }
}
