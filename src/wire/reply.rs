//! Numbered multi-line replies: `250-first`, `250-second`, `250 last`, as
//! SMTP (RFC 5321 §4.2.1) sends them, and FTP's looser form (RFC 959 §4.2),
//! whose lines between `211-` and `211 ` may be free text.

use super::swar::LineEnds;
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
    /// The text after the separator, without the line ending; the whole
    /// line for a line without a code (see [`numbered`](Self::numbered)).
    pub text: Bytes,
    /// Whether the line starts with the code: always in SMTP; in FTP's
    /// multi-line replies the lines between the first and the last may be
    /// free text (FEAT's ` MDTM`, a `STAT` listing), and carry the reply's
    /// code here with `numbered` false.
    pub numbered: bool,
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
            numbered: true,
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
    /// RFC 959's form: free text between the first and the last line.
    free_text: bool,
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
            free_text: false,
            framed: 0,
            code: None,
            count: 0,
            max_lines,
        }
    }

    /// A framer for FTP's replies (RFC 959 §4.2): after a first line
    /// `ddd-`, any line is part of the reply until one that starts with the
    /// same `ddd` and a space (or is `ddd` alone), so FEAT's ` MDTM` lines
    /// and free text do not break it. A first line without a code is still
    /// [`MultiLineError::Malformed`].
    ///
    /// ```
    /// use sanswire::wire::{Inbox, MultiLine};
    /// let mut inbox = Inbox::new();
    /// inbox.extend_from_slice(b"211-Extensions supported:\r\n MDTM\r\n SIZE\r\n211 End\r\n");
    /// let mut framer = MultiLine::rfc959(512, 100);
    /// let (code, raw) = framer.next(&mut inbox).unwrap().unwrap();
    /// assert_eq!(code, 211);
    /// let lines: Vec<_> = MultiLine::lines(&raw).map(|l| (l.numbered, l.text)).collect();
    /// assert_eq!(lines.len(), 4);
    /// assert_eq!(lines[1], (false, " MDTM".into()));
    /// assert_eq!(lines[3], (true, "End".into()));
    /// ```
    pub fn rfc959(max_line: usize, max_lines: usize) -> Self {
        MultiLine {
            free_text: true,
            ..Self::new(max_line, max_lines)
        }
    }

    /// The next whole reply: its code and its raw lines, endings included.
    pub fn next(&mut self, inbox: &mut Inbox) -> Result<Option<(u16, Bytes)>, MultiLineError> {
        if self.is_fresh() {
            if let Some((code, len)) = self.whole(inbox.data()) {
                return Ok(Some((code, inbox.split_to(len))));
            }
        }
        loop {
            let rest = &inbox.data()[self.framed..];
            let start = inbox.consumed() + self.framed as u64;
            let Some(len) = self.lines.find_at(rest, start)? else {
                return Ok(None);
            };
            let line = trim_ending(&rest[..len]);
            let last = match (self.code, self.free_text) {
                (Some(code), true) => ends_rfc959_reply(line, code),
                _ => {
                    let code = parse_code(line).ok_or(MultiLineError::Malformed)?;
                    let last = match line.get(3) {
                        None | Some(b' ') => true,
                        Some(b'-') => false,
                        Some(_) => return Err(MultiLineError::Malformed),
                    };
                    if *self.code.get_or_insert(code) != code {
                        return Err(MultiLineError::CodeChanged);
                    }
                    last
                }
            };
            let code = self.code.unwrap_or_default();
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

    /// Whether no reply is part-framed and the framer is the strict one:
    /// a reader may then take a whole reply off the inbox by other means.
    pub(crate) fn is_fresh(&self) -> bool {
        self.framed == 0 && self.code.is_none() && !self.free_text
    }

    /// The limits: bytes per line (ending included) and lines per reply.
    pub(crate) fn limits(&self) -> (usize, usize) {
        (self.lines.max_len(), self.max_lines)
    }

    /// The fast path of [`next`](Self::next) for a strict reply already
    /// whole at the front of `data` (the usual case: a reply arrives in one
    /// read): one pass, each line's code compared with the first's as
    /// bytes, no state kept. `None` when the reply is not whole or breaks
    /// a rule or a limit: `next` then frames it line by line, and finds
    /// the same reply or names the error.
    fn whole(&self, data: &[u8]) -> Option<(u16, usize)> {
        let first = data.get(..4)?;
        let code = parse_code(first)?;
        let max_len = self.lines.max_len();
        let mut at = 0;
        let mut count = 0;
        for lf in LineEnds::new(data) {
            let end = lf + 1;
            if end - at > max_len {
                return None;
            }
            // The code and separator of the line as it came: a line
            // shorter than that (a bare code) is left to the line framer.
            let line = data.get(at..at + 4).filter(|_| end >= at + 5)?;
            if line[..3] != first[..3] {
                return None;
            }
            count += 1;
            if count > self.max_lines {
                return None;
            }
            at = end;
            match line[3] {
                b' ' => return Some((code, at)),
                b'-' => {}
                _ => return None,
            }
        }
        None
    }

    /// Every line of a reply framed by [`next`](Self::next). A line
    /// without a code (FTP's free text) carries the first line's code, with
    /// [`ReplyLine::numbered`] false and its whole text.
    pub fn lines(raw: &Bytes) -> impl Iterator<Item = ReplyLine> + '_ {
        let mut at = 0;
        let mut ends = LineEnds::new(raw);
        let mut code = None;
        core::iter::from_fn(move || {
            if at >= raw.len() {
                return None;
            }
            let end = ends.next().map_or(raw.len(), |i| i + 1);
            let line = raw.slice(at..at + trim_ending(&raw[at..end]).len());
            at = end;
            let parsed = ReplyLine::parse(line.clone())
                .filter(|l| !matches!(code, Some(c) if c != l.code))
                .unwrap_or(ReplyLine {
                    code: code.unwrap_or_default(),
                    last: false,
                    text: line,
                    numbered: false,
                });
            code.get_or_insert(parsed.code);
            Some(parsed)
        })
    }
}

impl MultiLine {
    /// The text of each line of a reply framed by [`next`](Self::next),
    /// as plain slices (no reference counting): what
    /// [`lines`](Self::lines) hands out as `text`, for readers that only
    /// look.
    pub fn texts(raw: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
        Texts {
            raw,
            at: 0,
            ends: LineEnds::new(raw),
            code: None,
        }
    }
}

/// The iterator of [`MultiLine::texts`]: a plain struct, so that readers
/// of short replies get its steps inlined.
struct Texts<'a> {
    raw: &'a [u8],
    at: usize,
    ends: LineEnds<'a>,
    /// The digits of the first line that has a code.
    code: Option<[u8; 3]>,
}

impl<'a> Iterator for Texts<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.at >= self.raw.len() {
            return None;
        }
        let end = self.ends.next().map_or(self.raw.len(), |i| i + 1);
        let line = trim_ending(&self.raw[self.at..end]);
        self.at = end;
        // Digits equal to a valid code's are that code: one comparison
        // per line once the first code is known.
        let has_code = match (line.get(..3), self.code) {
            (Some(digits), Some(code)) => digits == code,
            (Some(digits), None) if parse_code(digits).is_some() => {
                self.code = digits.try_into().ok();
                true
            }
            _ => false,
        };
        let numbered = has_code && matches!(line.get(3), None | Some(b' ' | b'-'));
        Some(if numbered {
            line.get(4..).unwrap_or_default()
        } else {
            line
        })
    }
}

/// Whether `line` ends an RFC 959 multi-line reply begun with `code`: it
/// starts with the same three digits and then a space, or is those digits
/// alone.
fn ends_rfc959_reply(line: &[u8], code: u16) -> bool {
    parse_code(line) == Some(code) && matches!(line.get(3), None | Some(b' '))
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
    fn rfc959_free_text_and_other_codes_inside_a_reply() {
        // vsftpd's FEAT, then a STAT listing whose lines start with digits
        // and even with another code.
        let wire = b"211-Features:\r\n EPRT\r\n UTF8\r\n211 End\r\n\
213-Status follows:\r\n200 files\r\n213-more\r\n213 End of status\r\n220 next\r\n";
        for piece in 1..wire.len() {
            let mut inbox = Inbox::new();
            let mut framer = MultiLine::rfc959(100, 10);
            let mut got = alloc::vec::Vec::new();
            for p in wire.chunks(piece) {
                inbox.extend_from_slice(p);
                while let Some(reply) = framer.next(&mut inbox).unwrap() {
                    got.push(reply);
                }
            }
            let codes: alloc::vec::Vec<u16> = got.iter().map(|r| r.0).collect();
            assert_eq!(codes, [211, 213, 220]);
            let lines: alloc::vec::Vec<ReplyLine> = MultiLine::lines(&got[1].1).collect();
            assert_eq!(lines.len(), 4);
            assert!(lines.iter().all(|l| l.code == 213));
            assert_eq!(
                lines
                    .iter()
                    .map(|l| l.numbered)
                    .collect::<alloc::vec::Vec<_>>(),
                [true, false, true, true]
            );
            assert_eq!(&lines[1].text[..], b"200 files");
        }
        // The strict (SMTP) framer still refuses the same bytes.
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(b"211-Features:\r\n EPRT\r\n211 End\r\n");
        assert_eq!(
            MultiLine::new(100, 10).next(&mut inbox),
            Err(MultiLineError::Malformed)
        );
        // And RFC 959 still bounds the line count.
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(b"211-a\r\n b\r\n c\r\n211 d\r\n");
        assert_eq!(
            MultiLine::rfc959(100, 3).next(&mut inbox),
            Err(MultiLineError::TooManyLines { limit: 3 })
        );
    }

    #[test]
    fn texts_match_lines() {
        let raw = Bytes::from_static(b"250-mx\r\n250-SIZE 1\r\n250\r\n");
        let texts: alloc::vec::Vec<&[u8]> = MultiLine::texts(&raw).collect();
        let lines: alloc::vec::Vec<Bytes> = MultiLine::lines(&raw).map(|l| l.text).collect();
        assert_eq!(texts, lines);
        assert_eq!(texts, [&b"mx"[..], b"SIZE 1", b""]);
        let ftp = Bytes::from_static(b"211-F\r\n MDTM\r\n200 x\r\n211 End\r\n");
        let texts: alloc::vec::Vec<&[u8]> = MultiLine::texts(&ftp).collect();
        let lines: alloc::vec::Vec<Bytes> = MultiLine::lines(&ftp).map(|l| l.text).collect();
        assert_eq!(texts, lines);
        assert_eq!(texts, [&b"F"[..], b" MDTM", b"200 x", b"End"]);
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
