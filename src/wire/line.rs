use super::Inbox;
use bytes::Bytes;
use core::fmt;

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineEnding {
    /// `\r\n`, the only ending the line protocols allow.
    CrLf,
    /// A bare `\n`. Each protocol decides whether to refuse it or accept it
    /// for a named broken peer.
    Lf,
}

impl LineEnding {
    /// How many bytes the ending takes.
    pub fn len(self) -> usize {
        match self {
            LineEnding::CrLf => 2,
            LineEnding::Lf => 1,
        }
    }

    /// Never true: an ending always takes at least one byte.
    pub fn is_empty(self) -> bool {
        false
    }
}

/// One line cut from an [`Inbox`]: its content without the ending, as a
/// slice of the receive buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The line's bytes, without the ending. May still contain a bare `\r`
    /// or NUL: protocols check what they forbid.
    pub bytes: Bytes,
    /// How the line ended.
    pub ending: LineEnding,
}

/// A line longer than the limit, or an unterminated line at end of stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    /// No line ending within `limit` bytes (the ending counts).
    TooLong {
        /// The limit that was crossed.
        limit: usize,
    },
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::TooLong { limit } => write!(f, "line longer than {limit} bytes"),
        }
    }
}

impl core::error::Error for LineError {}

/// Splits lines out of an [`Inbox`], looking at each byte once.
///
/// The reader remembers how far it has scanned, so when a line arrives in
/// many small reads the search resumes where it stopped instead of
/// rescanning the growing buffer from its start. It remembers that as a
/// position in the stream ([`Inbox::consumed`] counts from the start), so
/// when the inbox was consumed by other means in between (a body, a
/// literal), [`next_line`](Self::next_line) notices by itself: no call to
/// [`reset`](Self::reset) is needed, and none can be forgotten.
///
/// ```
/// use sanswire::wire::{Inbox, LineEnding, LineReader};
/// let mut inbox = Inbox::new();
/// let mut lines = LineReader::new(512);
/// inbox.extend_from_slice(b"HELO exa");
/// assert_eq!(lines.next_line(&mut inbox), Ok(None));
/// inbox.extend_from_slice(b"mple.org\r\nQU");
/// let line = lines.next_line(&mut inbox).unwrap().unwrap();
/// assert_eq!(&line.bytes[..], b"HELO example.org");
/// assert_eq!(line.ending, LineEnding::CrLf);
/// assert_eq!(inbox.data(), b"QU");
/// ```
#[derive(Debug, Clone)]
pub struct LineReader {
    /// Bytes from `base` on already known to hold no `\n`.
    scanned: usize,
    /// The stream position `scanned` counts from.
    base: u64,
    max_len: usize,
}

impl LineReader {
    /// A reader for lines of at most `max_len` bytes, ending included.
    pub fn new(max_len: usize) -> Self {
        LineReader {
            scanned: 0,
            base: 0,
            max_len,
        }
    }

    /// The longest line accepted, ending included.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Changes the limit (for example between a command and a data phase).
    pub fn set_max_len(&mut self, max_len: usize) {
        self.max_len = max_len;
    }

    /// Forgets how far it scanned. Only [`find`](Self::find) on plain
    /// slices needs it; readers of an [`Inbox`] notice consumption by
    /// themselves.
    pub fn reset(&mut self) {
        self.scanned = 0;
    }

    /// Like [`find`](Self::find), for `data` that starts at stream
    /// position `start` (for an inbox: [`Inbox::consumed`]): whatever was
    /// consumed since the last call, by whatever means, is accounted for,
    /// so the scan resumes exactly where it stopped or starts afresh.
    pub fn find_at(&mut self, data: &[u8], start: u64) -> Result<Option<usize>, LineError> {
        let scanned_to = self.base + self.scanned as u64;
        self.scanned = if start < self.base || start >= scanned_to {
            0
        } else {
            (scanned_to - start) as usize
        };
        self.base = start;
        let found = self.find(data)?;
        if let Some(len) = found {
            self.base = start + len as u64;
        }
        Ok(found)
    }

    /// The length of the first line in `data`, ending included, once it is
    /// complete. Resumes the scan where the last call stopped, so `data`
    /// must be the same buffer, possibly grown at its end.
    pub fn find(&mut self, data: &[u8]) -> Result<Option<usize>, LineError> {
        let from = self.scanned.min(data.len());
        let window_end = data.len().min(self.max_len);
        if from < window_end {
            if let Some(i) = memchr::memchr(b'\n', &data[from..window_end]) {
                self.scanned = 0;
                return Ok(Some(from + i + 1));
            }
        }
        self.scanned = window_end;
        if data.len() >= self.max_len {
            return Err(LineError::TooLong {
                limit: self.max_len,
            });
        }
        Ok(None)
    }

    /// Cuts the next complete line off the inbox, without its ending.
    /// `Ok(None)` means the line is not complete yet.
    pub fn next_line(&mut self, inbox: &mut Inbox) -> Result<Option<Line>, LineError> {
        let Some(len) = self.find_at(inbox.data(), inbox.consumed())? else {
            return Ok(None);
        };
        let mut raw = inbox.split_to(len);
        let ending = if raw.len() >= 2 && raw[raw.len() - 2] == b'\r' {
            LineEnding::CrLf
        } else {
            LineEnding::Lf
        };
        raw.truncate(len - ending.len());
        Ok(Some(Line { bytes: raw, ending }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn all_lines(input: &[u8], chunk: usize, max: usize) -> Result<Vec<Line>, LineError> {
        let mut inbox = Inbox::new();
        let mut reader = LineReader::new(max);
        let mut out = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            inbox.extend_from_slice(piece);
            while let Some(line) = reader.next_line(&mut inbox)? {
                out.push(line);
            }
        }
        Ok(out)
    }

    #[test]
    fn same_lines_whatever_the_chunking() {
        let input = b"one\r\ntwo\nthree\r\n\r\n";
        let whole = all_lines(input, input.len(), 100).unwrap();
        for chunk in 1..input.len() {
            assert_eq!(all_lines(input, chunk, 100).unwrap(), whole);
        }
        let texts: Vec<&[u8]> = whole.iter().map(|l| &l.bytes[..]).collect();
        assert_eq!(texts, [&b"one"[..], b"two", b"three", b""]);
        assert_eq!(whole[1].ending, LineEnding::Lf);
    }

    #[test]
    fn limit_counts_the_ending() {
        assert_eq!(all_lines(b"abc\r\n", 1, 5).unwrap().len(), 1);
        assert_eq!(
            all_lines(b"abcd\r\n", 1, 5),
            Err(LineError::TooLong { limit: 5 })
        );
        assert_eq!(
            all_lines(b"abcdefgh", 3, 5),
            Err(LineError::TooLong { limit: 5 })
        );
    }

    #[test]
    fn resumes_instead_of_rescanning() {
        let mut reader = LineReader::new(1000);
        let mut data = Vec::new();
        for _ in 0..10 {
            data.extend_from_slice(b"xxxxx");
            assert_eq!(reader.find(&data), Ok(None));
            assert_eq!(reader.scanned, data.len());
        }
        data.extend_from_slice(b"\n");
        assert_eq!(reader.find(&data), Ok(Some(51)));
    }

    #[test]
    fn notices_consumption_by_other_means() {
        let mut inbox = Inbox::new();
        let mut reader = LineReader::new(100);
        inbox.extend_from_slice(b"BODYBODY partial");
        assert_eq!(reader.next_line(&mut inbox), Ok(None));
        // A body reader takes 8 bytes; no reset.
        inbox.advance(8);
        inbox.extend_from_slice(b"\nNEXT\r\n");
        let line = reader.next_line(&mut inbox).unwrap().unwrap();
        assert_eq!(&line.bytes[..], b" partial");
        // Everything scanned consumed, then a line with an early LF.
        inbox.extend_from_slice(b"abcdefgh");
        let _ = inbox.split_to(5); // "NEXT\r", cut by other means
        assert_eq!(inbox.data(), b"\nabcdefgh");
        assert_eq!(
            reader.next_line(&mut inbox).unwrap().unwrap().bytes.len(),
            0
        );
        assert_eq!(reader.next_line(&mut inbox), Ok(None));
        inbox.advance(3);
        inbox.extend_from_slice(b"\n");
        assert_eq!(
            &reader.next_line(&mut inbox).unwrap().unwrap().bytes[..],
            b"defgh"
        );
    }
}
