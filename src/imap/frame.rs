//! The fragmentizer: splits the byte stream into whole messages (a line,
//! or lines joined by `{n}` / `{n+}` / `~{n}` literals) before anything is
//! parsed, so a malformed or over-limit message is skipped without losing
//! sync. A message is handed out as one [`Bytes`] slice of the receive
//! buffer, literals included, so the parser hands literals out as slices
//! of it: nothing is copied.

use super::{Error, ErrorKind, Limits};
use crate::wire::Inbox;
use bytes::Bytes;

/// A literal announced at the end of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Literal {
    /// How many octets it announces.
    pub size: u64,
    /// Synchronising (`{n}`): the sender waits for `+` before the octets.
    /// Non-synchronising (`{n+}`, LITERAL+ and LITERAL-) goes on at once.
    pub sync: bool,
    /// A `~{n}` literal8 (BINARY, RFC 3516): may carry NUL.
    pub binary: bool,
}

/// What the fragmentizer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framed {
    /// A whole message, CRLF included, literals inside it.
    Message(Bytes),
    /// A line ended in a literal announcement: call
    /// [`Framer::accept`] (or just call [`Framer::next`] again) to read
    /// its octets, or [`Framer::refuse`] to drop the message.
    Literal(Literal),
}

/// Splits an [`Inbox`] into messages, looking at each byte once.
///
/// ```
/// use sanswire::imap::{Framed, Framer, Limits};
/// use sanswire::wire::Inbox;
/// let mut inbox = Inbox::new();
/// let mut framer = Framer::new();
/// let limits = Limits::default();
/// inbox.extend_from_slice(b"* 1 FETCH (BODY[] {5}\r\nhel");
/// assert!(matches!(framer.next(&mut inbox, &limits), Ok(Some(Framed::Literal(l))) if l.size == 5));
/// assert_eq!(framer.next(&mut inbox, &limits), Ok(None));
/// inbox.extend_from_slice(b"lo)\r\n* 2 EXISTS\r\n");
/// let Ok(Some(Framed::Message(m))) = framer.next(&mut inbox, &limits) else { panic!() };
/// assert_eq!(&m[..], b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Framer {
    /// Bytes of the current message known complete (lines and literals).
    pos: usize,
    /// Bytes from `pos` on known to hold no LF.
    scanned: usize,
    /// Literal octets still to come into the message (or, discarding,
    /// to skip).
    literal: u64,
    /// A literal announced and not decided yet.
    announced: Option<Literal>,
    literals: usize,
    /// Skipping a refused message up to its end.
    discarding: bool,
    /// The inbox position the message starts at.
    base: u64,
}

impl Framer {
    /// A fragmentizer at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the framer is in the middle of a message.
    pub fn is_mid_message(&self) -> bool {
        self.pos > 0 || self.literal > 0 || self.discarding
    }

    fn restart(&mut self, at: u64) {
        *self = Framer {
            base: at,
            ..Framer::default()
        };
    }

    /// The message received so far, up to the literal just announced
    /// (to read its tag from before deciding).
    pub fn pending<'a>(&self, inbox: &'a Inbox) -> &'a [u8] {
        &inbox.data()[..self.pos.min(inbox.len())]
    }

    /// Reads the announced literal's octets as part of the message.
    pub fn accept(&mut self) {
        if let Some(lit) = self.announced.take() {
            self.literal = lit.size;
        }
    }

    /// Drops the message announcing the literal and gives its first line
    /// (to read a tag from). A synchronising literal's octets will not
    /// come; a non-synchronising literal's octets are skipped as they
    /// arrive, with the rest of the message, never buffered.
    pub fn refuse(&mut self, inbox: &mut Inbox) -> Bytes {
        let Some(lit) = self.announced.take() else {
            return Bytes::new();
        };
        let first = inbox.split_to(self.pos);
        self.restart(inbox.consumed());
        if !lit.sync {
            self.discarding = true;
            self.literal = lit.size;
        }
        first
    }

    /// Drops the message announcing the literal, skipping the literal's
    /// octets and the rest of the message as they arrive, whatever its
    /// form: what a client does with a server's literal over its limit
    /// (a server's `{n}` is always followed by its octets).
    pub fn skip(&mut self, inbox: &mut Inbox) {
        let Some(lit) = self.announced.take() else {
            return;
        };
        inbox.advance(self.pos);
        self.restart(inbox.consumed());
        self.discarding = true;
        self.literal = lit.size;
    }

    /// The next message or literal announcement; `Ok(None)` until more
    /// input arrives.
    pub fn next(&mut self, inbox: &mut Inbox, limits: &Limits) -> Result<Option<Framed>, Error> {
        if inbox.consumed() != self.base && !self.discarding {
            // Consumed by other means (a new machine state): start over.
            self.restart(inbox.consumed());
        }
        self.accept();
        if self.discarding && !self.discard(inbox) {
            return Ok(None);
        }
        let data = inbox.data();
        if self.literal > 0 {
            let have = (data.len() - self.pos) as u64;
            if have < self.literal {
                return Ok(None);
            }
            self.pos += self.literal as usize;
            self.scanned = self.pos;
            self.literal = 0;
        }
        let window_end = data.len().min(self.pos.saturating_add(limits.max_line));
        let from = self.scanned.max(self.pos);
        let Some(i) = memchr::memchr(b'\n', data.get(from..window_end).unwrap_or_default()) else {
            self.scanned = window_end.max(from);
            if data.len() - self.pos >= limits.max_line {
                return Err(ErrorKind::LineTooLong.into());
            }
            return Ok(None);
        };
        let end = from + i + 1;
        let segment = &data[self.pos..end];
        if segment.len() < 2 || segment[segment.len() - 2] != b'\r' {
            return Err(ErrorKind::BareLf.into());
        }
        if let Some(lit) = literal_at_end(&segment[..segment.len() - 2]) {
            self.literals += 1;
            if self.literals > limits.max_literals {
                return Err(ErrorKind::TooManyLiterals.into());
            }
            self.pos = end;
            self.scanned = end;
            self.announced = Some(lit);
            return Ok(Some(Framed::Literal(lit)));
        }
        let message = inbox.split_to(end);
        self.restart(inbox.consumed());
        Ok(Some(Framed::Message(message)))
    }

    /// Skips a refused message's bytes as they arrive; `true` once its
    /// end was passed.
    fn discard(&mut self, inbox: &mut Inbox) -> bool {
        loop {
            if self.literal > 0 {
                let n = (inbox.len() as u64).min(self.literal);
                inbox.advance(n as usize);
                self.literal -= n;
                if self.literal > 0 {
                    return false;
                }
            }
            let data = inbox.data();
            match memchr::memchr(b'\n', data) {
                Some(i) => {
                    let line = &data[..i];
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    let more = literal_at_end(line);
                    inbox.advance(i + 1);
                    match more {
                        Some(lit) => self.literal = lit.size,
                        None => {
                            self.restart(inbox.consumed());
                            return true;
                        }
                    }
                }
                None => {
                    // Keep a tail that may hold a literal announcement.
                    let keep = data.len().min(32);
                    inbox.advance(data.len() - keep);
                    return false;
                }
            }
        }
    }
}

/// A literal announcement closing `line` (CRLF stripped): `{n}`, `{n+}`,
/// `~{n}`, `~{n+}`.
pub(crate) fn literal_at_end(line: &[u8]) -> Option<Literal> {
    let body = line.strip_suffix(b"}")?;
    let open = memchr::memrchr(b'{', body)?;
    let mut digits = &body[open + 1..];
    let sync = match digits.strip_suffix(b"+") {
        Some(d) => {
            digits = d;
            false
        }
        None => true,
    };
    if digits.len() > 19 {
        return None;
    }
    let size = crate::wire::number::parse_u64(digits)?;
    let binary = open > 0 && body[open - 1] == b'~';
    Some(Literal { size, sync, binary })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn frames(input: &[u8], chunk: usize) -> Vec<Bytes> {
        let mut inbox = Inbox::new();
        let mut framer = Framer::new();
        let limits = Limits::default();
        let mut out = Vec::new();
        for piece in input.chunks(chunk) {
            inbox.extend_from_slice(piece);
            while let Some(f) = framer.next(&mut inbox, &limits).unwrap() {
                if let Framed::Message(m) = f {
                    out.push(m);
                }
            }
        }
        out
    }

    #[test]
    fn any_chunking_same_messages() {
        let input =
            b"* OK hi\r\n* 1 FETCH (BODY[] {3}\r\n{1} BINARY[] ~{2+}\r\n\r\n)\r\nA1 OK done\r\n";
        let whole = frames(input, input.len());
        assert_eq!(whole.len(), 3);
        for chunk in 1..input.len() {
            assert_eq!(frames(input, chunk), whole);
        }
    }

    #[test]
    fn literal_forms() {
        assert_eq!(
            literal_at_end(b"A1 LOGIN {5}"),
            Some(Literal {
                size: 5,
                sync: true,
                binary: false
            })
        );
        assert_eq!(
            literal_at_end(b"x ~{7+}"),
            Some(Literal {
                size: 7,
                sync: false,
                binary: true
            })
        );
        assert_eq!(literal_at_end(b"x {}"), None);
        assert_eq!(literal_at_end(b"x {99999999999999999999}"), None);
        assert_eq!(literal_at_end(b"x {1a}"), None);
    }

    #[test]
    fn refused_non_sync_literal_is_skipped_unbuffered() {
        let mut inbox = Inbox::new();
        let mut framer = Framer::new();
        let limits = Limits::default();
        inbox.extend_from_slice(b"A1 APPEND x {10+}\r\n01234");
        assert!(matches!(
            framer.next(&mut inbox, &limits),
            Ok(Some(Framed::Literal(_)))
        ));
        assert_eq!(&framer.refuse(&mut inbox)[..], b"A1 APPEND x {10+}\r\n");
        assert_eq!(framer.next(&mut inbox, &limits), Ok(None));
        assert!(inbox.is_empty());
        inbox.extend_from_slice(b"56789 more\r\nA2 NOOP\r\n");
        let Ok(Some(Framed::Message(m))) = framer.next(&mut inbox, &limits) else {
            panic!()
        };
        assert_eq!(&m[..], b"A2 NOOP\r\n");
    }
}
