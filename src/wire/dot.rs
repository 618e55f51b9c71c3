//! Dot-stuffing: the framing of SMTP DATA, POP3 and NNTP multi-line blocks.
//!
//! A block is a run of CRLF lines ended by a line holding a single `.`;
//! a line of the block that starts with `.` is sent with one more `.`
//! in front (RFC 5321 §4.5.2, RFC 1939 §3, RFC 3977 §3.1.1).

use super::{Inbox, LineError, Outbox};
use bytes::Bytes;

/// Runs shorter than this are copied into the outbox's own buffer instead of
/// queued as slices, so that text with many short lines to fix (a Unix file
/// with bare LFs) does not become hundreds of thousands of tiny chunks.
const COPY_BELOW: usize = 512;

/// Encodes a block: dot-stuffs the caller's bytes and normalises line ends.
///
/// A `.` is stuffed after *every* line start, whether the line began after
/// CRLF, a bare LF or a bare CR, and bare CR and LF are sent as CRLF: so no
/// receiver, however it splits lines, can see the block end early. This is
/// the defence against SMTP smuggling (CVE-2023-51764 and its kin).
///
/// Unchanged runs of the caller's bytes are queued as slices, not copied.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::wire::{DotStuffer, Outbox};
/// let mut out = Outbox::new();
/// let mut stuffer = DotStuffer::new();
/// stuffer.stuff(Bytes::from_static(b".hidden\n.\r\nlast"), &mut out);
/// stuffer.finish(&mut out);
/// assert_eq!(out.to_vec(), b"..hidden\r\n..\r\nlast\r\n.\r\n");
/// ```
#[derive(Debug, Clone)]
pub struct DotStuffer {
    line_start: bool,
    pending_cr: bool,
}

impl Default for DotStuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl DotStuffer {
    /// A stuffer at the start of a block.
    pub fn new() -> Self {
        DotStuffer {
            line_start: true,
            pending_cr: false,
        }
    }

    /// Encodes the next piece of the block into `out`.
    pub fn stuff(&mut self, chunk: Bytes, out: &mut Outbox) {
        let data = &chunk[..];
        let mut run = 0; // start of the bytes not yet queued
        let mut from = 0; // where the search for line ends starts
        if self.pending_cr && !data.is_empty() {
            self.pending_cr = false;
            out.write(b"\n");
            if data[0] == b'\n' {
                (run, from) = (1, 1);
            }
            self.line_start = true;
        }
        if self.line_start && from < data.len() {
            self.line_start = stuff_line_start(&chunk, from, &mut run, out);
        }
        // One pass of memchr2 over the piece: only line ends are looked at.
        for at in memchr::memchr2_iter(b'\r', b'\n', &data[from..]).map(|p| from + p) {
            if data[at] == b'\r' {
                match data.get(at + 1) {
                    // CRLF: the LF comes next in this iteration.
                    Some(b'\n') => continue,
                    None => {
                        // A CR at the end of the piece: the next piece decides.
                        emit(&chunk, run, at + 1, out);
                        run = at + 1;
                        self.pending_cr = true;
                        break;
                    }
                    Some(_) => {
                        // A bare CR: send LF after it.
                        emit(&chunk, run, at + 1, out);
                        out.write(b"\n");
                        run = at + 1;
                    }
                }
            } else if at == 0 || data[at - 1] != b'\r' {
                // A bare LF: send CR before it.
                emit(&chunk, run, at, out);
                out.write(b"\r");
                run = at;
            }
            self.line_start = stuff_line_start(&chunk, at + 1, &mut run, out);
        }
        emit(&chunk, run, data.len(), out);
    }

    /// Ends the block: completes the last line if the data did not end with
    /// a line break, writes the terminating `.` line, and makes the stuffer
    /// ready for the next block.
    pub fn finish(&mut self, out: &mut Outbox) {
        if self.pending_cr {
            out.write(b"\n.\r\n");
        } else if self.line_start {
            out.write(b".\r\n");
        } else {
            out.write(b"\r\n.\r\n");
        }
        *self = Self::new();
    }
}

/// Stuffs a dot if the line starting at `at` begins with one; returns
/// whether the line starts past the end of the piece (the next piece must
/// check its first byte).
fn stuff_line_start(chunk: &Bytes, at: usize, run: &mut usize, out: &mut Outbox) -> bool {
    match chunk.get(at) {
        None => true,
        Some(b'.') => {
            emit(chunk, *run, at, out);
            out.write(b".");
            *run = at;
            false
        }
        Some(_) => false,
    }
}

fn emit(chunk: &Bytes, from: usize, to: usize, out: &mut Outbox) {
    if to <= from {
        return;
    }
    if to - from < COPY_BELOW {
        out.write(&chunk[from..to]);
    } else {
        out.push(chunk.slice(from..to));
    }
}

/// What [`DotUnstuffer::next`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unstuffed {
    /// Block content, unstuffed, as a slice of the receive buffer. Line
    /// ends are kept as they arrived.
    Data(Bytes),
    /// The terminating `.` line; the inbox now starts after it.
    End,
}

/// Decodes a block from an [`Inbox`]: removes the stuffed dots and finds
/// the end, handing content out as slices of the receive buffer in runs as
/// long as the input allows (not a copy per line).
///
/// Only CRLF starts a line here, so only `CRLF . CRLF` ends the block: a
/// `.` after a bare LF or bare CR is content, which is what keeps a server
/// from being smuggled a second message (CVE-2023-51764). Bare line ends
/// are counted so a strict server can refuse them.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::wire::{DotUnstuffer, Inbox, Unstuffed};
/// let mut inbox = Inbox::new();
/// inbox.extend_from_slice(b"..hidden\r\nline\n.\r\n.\r\nNEXT");
/// let mut block = DotUnstuffer::new(1000);
/// let mut content = Vec::new();
/// while let Some(Unstuffed::Data(d)) = block.next(&mut inbox).unwrap() {
///     content.extend_from_slice(&d);
/// }
/// assert_eq!(content, b".hidden\r\nline\n.\r\n");
/// assert_eq!(inbox.data(), b"NEXT");
/// ```
#[derive(Debug, Clone)]
pub struct DotUnstuffer {
    line_start: bool,
    last_was_cr: bool,
    line_len: usize,
    max_line: usize,
    bare_line_ends: usize,
}

impl DotUnstuffer {
    /// A decoder at the start of a block, refusing lines longer than
    /// `max_line` bytes (the ending counts).
    pub fn new(max_line: usize) -> Self {
        DotUnstuffer {
            line_start: true,
            last_was_cr: false,
            line_len: 0,
            max_line,
            bare_line_ends: 0,
        }
    }

    /// How many bare LFs (not preceded by CR) the block held so far.
    pub fn bare_line_ends(&self) -> usize {
        self.bare_line_ends
    }

    /// The next piece of the block, `Ok(None)` when more input is needed.
    pub fn next(&mut self, inbox: &mut Inbox) -> Result<Option<Unstuffed>, LineError> {
        let data = inbox.data();
        if data.is_empty() {
            return Ok(None);
        }
        if self.line_start && data[0] == b'.' {
            return self.dot_line(inbox);
        }
        let n = self.scan(data)?;
        self.last_was_cr = data[n - 1] == b'\r';
        Ok(Some(Unstuffed::Data(inbox.split_to(n))))
    }

    /// How much of `data` (which does not start with a dot line) is plain
    /// content: up to the next line that starts with a dot, or all of it.
    /// One pass of memchr over the line ends, checking each line's length
    /// and whether a CR precedes its LF.
    fn scan(&mut self, data: &[u8]) -> Result<usize, LineError> {
        self.line_start = false;
        let mut line_begin = 0;
        for nl in memchr::memchr_iter(b'\n', data) {
            self.check_line_len(nl + 1 - line_begin)?;
            self.line_len = 0;
            line_begin = nl + 1;
            let after_cr = match nl {
                0 => self.last_was_cr,
                _ => data[nl - 1] == b'\r',
            };
            if !after_cr {
                self.bare_line_ends += 1;
                continue;
            }
            // Only CRLF starts a line; stop where one starts with a dot (or
            // where the data ends, so the next call looks at its first byte).
            if matches!(data.get(nl + 1), None | Some(b'.')) {
                self.line_start = true;
                return Ok(nl + 1);
            }
        }
        let partial = data.len() - line_begin;
        self.check_line_len(partial)?;
        self.line_len += partial;
        Ok(data.len())
    }

    /// At a line that starts with a dot: the terminator, or a stuffed dot
    /// to drop.
    fn dot_line(&mut self, inbox: &mut Inbox) -> Result<Option<Unstuffed>, LineError> {
        match (inbox.data().get(1), inbox.data().get(2)) {
            (None, _) | (Some(b'\r'), None) => Ok(None),
            (Some(b'\r'), Some(b'\n')) => {
                inbox.advance(3);
                *self = Self::new(self.max_line);
                Ok(Some(Unstuffed::End))
            }
            _ => {
                inbox.advance(1);
                self.line_start = false;
                self.last_was_cr = false;
                // RFC 5321 §4.5.3.1.6: the limit does not count this dot.
                self.next(inbox)
            }
        }
    }

    fn check_line_len(&self, more: usize) -> Result<(), LineError> {
        if self.line_len + more > self.max_line {
            return Err(LineError::TooLong {
                limit: self.max_line,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn stuff_in_pieces(data: &[u8], piece: usize) -> Vec<u8> {
        let mut out = Outbox::new();
        let mut s = DotStuffer::new();
        for p in data.chunks(piece.max(1)) {
            s.stuff(Bytes::copy_from_slice(p), &mut out);
        }
        s.finish(&mut out);
        out.take_vec()
    }

    /// Unstuffs `wire` fed in pieces; returns the content and what followed.
    fn unstuff_in_pieces(wire: &[u8], piece: usize) -> (Vec<u8>, Vec<u8>) {
        let mut inbox = Inbox::new();
        let mut u = DotUnstuffer::new(usize::MAX);
        let mut content = Vec::new();
        let mut fed = 0;
        for p in wire.chunks(piece.max(1)) {
            inbox.extend_from_slice(p);
            fed += p.len();
            while let Some(step) = u.next(&mut inbox).unwrap() {
                match step {
                    Unstuffed::Data(d) => content.extend_from_slice(&d),
                    Unstuffed::End => {
                        let mut rest = inbox.data().to_vec();
                        rest.extend_from_slice(&wire[fed..]);
                        return (content, rest);
                    }
                }
            }
        }
        panic!("block never ended: {:?}", content);
    }

    #[test]
    fn stuffs_after_every_kind_of_line_start() {
        assert_eq!(stuff_in_pieces(b"", 1), b".\r\n");
        assert_eq!(stuff_in_pieces(b"a\r\n", 1), b"a\r\n.\r\n");
        assert_eq!(stuff_in_pieces(b".", 1), b"..\r\n.\r\n");
        assert_eq!(
            stuff_in_pieces(b"x\n.\ny\r.\rz\r\n.\r\n", 100),
            b"x\r\n..\r\ny\r\n..\r\nz\r\n..\r\n.\r\n"
        );
    }

    #[test]
    fn stuffing_does_not_depend_on_pieces() {
        let data = b".a\r\n\r.\n\n..\r\r\n.x\rend\r";
        let whole = stuff_in_pieces(data, data.len());
        for piece in 1..data.len() {
            assert_eq!(stuff_in_pieces(data, piece), whole, "piece {piece}");
        }
    }

    #[test]
    fn unstuffs_and_stops_at_the_terminator_only() {
        let wire = b"..a\r\nb\n.\r\n\r.\r\nc\r\n.\r\nAFTER";
        for piece in 1..wire.len() {
            let (content, rest) = unstuff_in_pieces(wire, piece);
            assert_eq!(content, b".a\r\nb\n.\r\n\r.\r\nc\r\n", "piece {piece}");
            assert_eq!(rest, b"AFTER");
        }
    }

    #[test]
    fn empty_block_and_counting_bare_lf() {
        let (content, rest) = unstuff_in_pieces(b".\r\nX", 1);
        assert!(content.is_empty());
        assert_eq!(rest, b"X");
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(b"a\nb\r\n.\r\n");
        let mut u = DotUnstuffer::new(100);
        while let Some(Unstuffed::Data(_)) = u.next(&mut inbox).unwrap() {}
        assert!(inbox.is_empty());
    }

    #[test]
    fn long_lines_are_refused() {
        let mut inbox = Inbox::new();
        let mut u = DotUnstuffer::new(6);
        inbox.extend_from_slice(b"abcd\r\nabc");
        assert!(matches!(u.next(&mut inbox), Ok(Some(Unstuffed::Data(_)))));
        inbox.extend_from_slice(b"defg");
        assert_eq!(u.next(&mut inbox), Err(LineError::TooLong { limit: 6 }));
    }

    #[test]
    fn roundtrip_of_crlf_text() {
        let text = b"From: a\r\n\r\n.\r\n..\r\n. x\r\nend\r\n";
        let wire = stuff_in_pieces(text, 3);
        let (content, rest) = unstuff_in_pieces(&wire, 2);
        assert_eq!(content, text);
        assert!(rest.is_empty());
    }
}
