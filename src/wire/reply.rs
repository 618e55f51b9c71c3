//! Numbered multi-line replies: `250-first`, `250-second`, `250 last`, as
//! SMTP (RFC 5321 §4.2.1) and FTP (RFC 959 §4.2) send them.

use super::{Inbox, LineError, LineReader};
use bytes::Bytes;
use core::fmt;

/// One line of a numbered reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLine {
    /// The three-digit code.
    pub code: u16,
    /// Whether this is the reply's last line (`250 ` rather than `250-`).
    pub last: bool,
    /// The text after the separator, without the line ending.
    pub text: Bytes,
}

impl ReplyLine {
    /// Parses one line (without its ending). A code alone, with no
    /// separator (`250`), is a last line with empty text: Exim and some
    /// appliances send that.
    pub fn parse(line: Bytes) -> Option<ReplyLine> {
        let code = parse_code(&line)?;
        let last = match line.get(3) {
            None | Some(b' ') => true,
            Some(b'-') => false,
            Some(_) => return None,
        };
        Some(ReplyLine {
            code,
            last,
            text: line.slice(line.len().min(4)..),
        })
    }
}

fn parse_code(line: &[u8]) -> Option<u16> {
    let digits = line.get(..3)?;
    if !(b'1'..=b'5').contains(&digits[0]) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0')),
    )
}

/// Why a numbered reply could not be framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultiLineError {
    /// A line was too long.
    Line(LineError),
    /// A line did not start with a three-digit code and a separator.
    Malformed,
    /// A continuation line carried another code than the first line.
    CodeChanged,
    /// The reply had more lines than the limit.
    TooManyLines {
        /// The limit that was crossed.
        limit: usize,
    },
}

impl From<LineError> for MultiLineError {
    fn from(e: LineError) -> Self {
        MultiLineError::Line(e)
    }
}

impl fmt::Display for MultiLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MultiLineError::Line(e) => e.fmt(f),
            MultiLineError::Malformed => f.write_str("reply line without a three-digit code"),
            MultiLineError::CodeChanged => f.write_str("reply code changed within one reply"),
            MultiLineError::TooManyLines { limit } => {
                write!(f, "reply of more than {limit} lines")
            }
        }
    }
}

impl core::error::Error for MultiLineError {}

/// Frames whole numbered replies out of an [`Inbox`]: it finds the last
/// line first, then cuts the whole reply off as one [`Bytes`], so a reply
/// costs no allocation however many lines it has. Read its lines with
/// [`MultiLine::lines`].
///
/// ```
/// use sanswire::wire::{Inbox, MultiLine};
/// let mut inbox = Inbox::new();
/// inbox.extend_from_slice(b"250-mx.example.org\r\n250-SIZE 100\r\n250 8BITMIME\r\n");
/// let mut framer = MultiLine::new(512, 100);
/// let (code, raw) = framer.next(&mut inbox).unwrap().unwrap();
/// assert_eq!(code, 250);
/// let texts: Vec<_> = MultiLine::lines(&raw).map(|l| l.text).collect();
/// assert_eq!(texts, ["mx.example.org", "SIZE 100", "8BITMIME"]);
/// ```
#[derive(Debug, Clone)]
pub struct MultiLine {
    lines: LineReader,
    /// Bytes of this reply's complete lines at the front of the inbox.
    framed: usize,
    code: Option<u16>,
    count: usize,
    max_lines: usize,
}

impl MultiLine {
    /// A framer for replies of at most `max_lines` lines of at most
    /// `max_line` bytes each.
    pub fn new(max_line: usize, max_lines: usize) -> Self {
        MultiLine {
            lines: LineReader::new(max_line),
            framed: 0,
            code: None,
            count: 0,
            max_lines,
        }
    }

    /// The next whole reply: its code and its raw lines, endings included.
    pub fn next(&mut self, inbox: &mut Inbox) -> Result<Option<(u16, Bytes)>, MultiLineError> {
        loop {
            let rest = &inbox.data()[self.framed..];
            let start = inbox.consumed() + self.framed as u64;
            let Some(len) = self.lines.find_at(rest, start)? else {
                return Ok(None);
            };
            let line = trim_ending(&rest[..len]);
            let code = parse_code(line).ok_or(MultiLineError::Malformed)?;
            let last = match line.get(3) {
                None | Some(b' ') => true,
                Some(b'-') => false,
                Some(_) => return Err(MultiLineError::Malformed),
            };
            if *self.code.get_or_insert(code) != code {
                return Err(MultiLineError::CodeChanged);
            }
            self.count += 1;
            if self.count > self.max_lines {
                return Err(MultiLineError::TooManyLines {
                    limit: self.max_lines,
                });
            }
            self.framed += len;
            if last {
                let raw = inbox.split_to(self.framed);
                self.framed = 0;
                self.code = None;
                self.count = 0;
                return Ok(Some((code, raw)));
            }
        }
    }

    /// The lines of a reply framed by [`next`](Self::next).
    pub fn lines(raw: &Bytes) -> impl Iterator<Item = ReplyLine> + '_ {
        let mut at = 0;
        core::iter::from_fn(move || {
            let rest = raw.get(at..).filter(|r| !r.is_empty())?;
            let len = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            let line = raw.slice(at..at + trim_ending(&rest[..len]).len());
            at += len;
            ReplyLine::parse(line)
        })
    }
}

impl MultiLine {
    /// The text of each line of a reply framed by [`next`](Self::next),
    /// as plain slices (no reference counting): what
    /// [`lines`](Self::lines) hands out as `text`, for readers that only
    /// look. Stops at the first line that does not parse, as `lines` does.
    pub fn texts(raw: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
        let mut rest = raw;
        core::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let len = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            let line = trim_ending(&rest[..len]);
            rest = &rest[len..];
            parse_code(line)?;
            match line.get(3) {
                None | Some(b' ' | b'-') => Some(line.get(4..).unwrap_or_default()),
                Some(_) => None,
            }
        })
    }
}

fn trim_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_across_any_chunking() {
        let wire = b"220 hi\r\n250-a\r\n250-b\r\n250 c\r\n";
        for piece in 1..wire.len() {
            let mut inbox = Inbox::new();
            let mut framer = MultiLine::new(100, 10);
            let mut got = alloc::vec::Vec::new();
            for p in wire.chunks(piece) {
                inbox.extend_from_slice(p);
                while let Some((code, raw)) = framer.next(&mut inbox).unwrap() {
                    got.push((code, raw));
                }
            }
            assert_eq!(got.len(), 2);
            assert_eq!(got[0].0, 220);
            assert_eq!(&got[1].1[..], b"250-a\r\n250-b\r\n250 c\r\n");
        }
    }

    #[test]
    fn refuses_bad_codes_and_too_many_lines() {
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(b"250-a\r\n251 b\r\n");
        assert_eq!(
            MultiLine::new(100, 10).next(&mut inbox),
            Err(MultiLineError::CodeChanged)
        );
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(b"25x ok\r\n");
        assert_eq!(
            MultiLine::new(100, 10).next(&mut inbox),
            Err(MultiLineError::Malformed)
        );
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(b"250-a\r\n250-b\r\n250 c\r\n");
        assert_eq!(
            MultiLine::new(100, 2).next(&mut inbox),
            Err(MultiLineError::TooManyLines { limit: 2 })
        );
    }

    #[test]
    fn texts_match_lines() {
        let raw = Bytes::from_static(b"250-mx\r\n250-SIZE 1\r\n250\r\n");
        let texts: alloc::vec::Vec<&[u8]> = MultiLine::texts(&raw).collect();
        let lines: alloc::vec::Vec<Bytes> = MultiLine::lines(&raw).map(|l| l.text).collect();
        assert_eq!(texts, lines);
        assert_eq!(texts, [&b"mx"[..], b"SIZE 1", b""]);
    }

    #[test]
    fn bare_code_is_a_last_line() {
        let line = ReplyLine::parse(Bytes::from_static(b"250")).unwrap();
        assert!(line.last);
        assert!(line.text.is_empty());
        assert!(ReplyLine::parse(Bytes::from_static(b"250x")).is_none());
        assert!(ReplyLine::parse(Bytes::from_static(b"650 no")).is_none());
    }
}
