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
    ///
    /// Three passes over the same bytes while they are in cache, none of
    /// which stops at every line: a block-wise search for a line that
    /// starts with a dot, which also counts bare LFs (written so the
    /// compiler checks many bytes at once); then line lengths, by jumping
    /// from line end to line end at most `max_line` bytes apart (one
    /// backward `memrchr` per jump, not one search per line).
    fn scan(&mut self, data: &[u8]) -> Result<usize, LineError> {
        let Scanned {
            end,
            bare,
            longest_run,
        } = find_dot_line(data, self.last_was_cr);
        let content = &data[..end];
        // A line between two LFs of `content` spans at most the longest
        // LF-free run of blocks, the two blocks around it and the unscanned
        // edges: when that fits the limit, only the first line (which goes
        // on the carried one) and the last (partial) one need measuring.
        let bound = (longest_run + 3) * SCAN_BLOCK + 1;
        if bound <= self.max_line {
            self.check_ends(content)?;
        } else {
            self.check_lengths(content)?;
        }
        self.bare_line_ends += bare;
        // Only CRLF starts a line: the next call looks at its first byte
        // when this piece ends with one (or stopped before a dot line).
        self.line_start = match content {
            [.., b'\r', b'\n'] => true,
            [b'\n'] => self.last_was_cr,
            _ => false,
        };
        Ok(end)
    }

    /// [`check_lengths`](Self::check_lengths) for `data` whose inner lines
    /// are known to be short: measures the first and the last line only.
    fn check_ends(&mut self, data: &[u8]) -> Result<(), LineError> {
        let too_long = LineError::TooLong {
            limit: self.max_line,
        };
        match memchr::memchr(b'\n', data) {
            None => {
                self.line_len += data.len();
                if self.line_len > self.max_line {
                    return Err(too_long);
                }
            }
            Some(first) => {
                if self.line_len + first + 1 > self.max_line {
                    return Err(too_long);
                }
                let last = memchr::memrchr(b'\n', data).unwrap_or(first);
                self.line_len = data.len() - last - 1;
            }
        }
        Ok(())
    }

    /// Checks that no line in `data` (which goes on the line in progress)
    /// is longer than the limit, and carries the last partial line on.
    fn check_lengths(&mut self, data: &[u8]) -> Result<(), LineError> {
        let max = self.max_line;
        let mut pos = 0usize;
        loop {
            // The line in progress may take `room` more bytes, LF included.
            let room = max.saturating_sub(self.line_len);
            let window_end = pos.saturating_add(room);
            if window_end >= data.len() {
                // The rest cannot hold a line that is too long; carry the
                // tail on.
                let rest = &data[pos..];
                match memchr::memrchr(b'\n', rest) {
                    Some(i) => self.line_len = rest.len() - i - 1,
                    None => self.line_len += rest.len(),
                }
                return Ok(());
            }
            // At least one byte follows the window: it must hold a LF.
            match memchr::memrchr(b'\n', &data[pos..window_end]) {
                Some(i) => {
                    pos += i + 1;
                    self.line_len = 0;
                }
                None => {
                    return Err(LineError::TooLong {
                        limit: self.max_line,
                    })
                }
            }
        }
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
}

/// Where the plain content at the front of `data` ends: just before the
/// first line that starts with a dot (after CRLF; `last_was_cr` says the
/// byte before `data` was CR), or at the end. Also counts the bare LFs
/// (not after CR) before that point.
fn find_dot_line(data: &[u8], last_was_cr: bool) -> Scanned {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked on the line above, which is
        // all that `find_dot_line_avx2` requires of its caller.
        #[allow(unsafe_code)]
        return unsafe { find_dot_line_avx2(data, last_was_cr) };
    }
    find_dot_line_body(data, last_was_cr)
}

/// [`find_dot_line`] compiled for AVX2: the same safe code, 32 bytes to
/// a vector instead of SSE2's 16.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[allow(unsafe_code)]
#[target_feature(enable = "avx2")]
unsafe fn find_dot_line_avx2(data: &[u8], last_was_cr: bool) -> Scanned {
    find_dot_line_body(data, last_was_cr)
}

#[inline(always)]
fn find_dot_line_body(data: &[u8], last_was_cr: bool) -> Scanned {
    const BLOCK: usize = SCAN_BLOCK;
    let cr = |at: usize| match at.checked_sub(1) {
        Some(i) => data[i] == b'\r',
        None => last_was_cr,
    };
    // Byte by byte, for the first two bytes and the tail.
    let slow = |from: usize, to: usize, bare: &mut usize| -> Option<usize> {
        for i in from..to {
            if data[i] == b'\n' {
                if cr(i) {
                    if data.get(i + 1) == Some(&b'.') {
                        return Some(i + 1);
                    }
                } else {
                    *bare += 1;
                }
            }
        }
        None
    };
    let mut bare = 0;
    // The longest run of whole blocks without a LF: it bounds how long a
    // line can be, so line lengths need no search of their own.
    let (mut run, mut longest_run) = (0, 0);
    let done = |end, bare, longest_run| Scanned {
        end,
        bare,
        longest_run,
    };
    // A LF at `i` ends a line; the dot would be at `i + 1`. The blocks
    // look at LFs in [i, i + BLOCK) with the bytes before and after them.
    let head = data.len().min(1);
    if let Some(end) = slow(0, head, &mut bare) {
        return done(end, bare, 0);
    }
    let mut i = head;
    while i + BLOCK < data.len() {
        let before: &[u8; BLOCK] = data[i - 1..i - 1 + BLOCK].try_into().expect("block");
        let here: &[u8; BLOCK] = data[i..i + BLOCK].try_into().expect("block");
        let after: &[u8; BLOCK] = data[i + 1..i + 1 + BLOCK].try_into().expect("block");
        // One flag for both: clean mail has neither in most blocks.
        let mut odd = false;
        let mut any_lf = false;
        for k in 0..BLOCK {
            let lf = here[k] == b'\n';
            let cr_before = before[k] == b'\r';
            odd |= lf & (!cr_before | (after[k] == b'.'));
            any_lf |= lf;
        }
        if any_lf {
            run = 0;
        } else {
            run += 1;
            longest_run = longest_run.max(run);
        }
        if odd {
            // Look closer: find the dot line, count the bare LFs before it.
            if let Some(end) = slow(i, i + BLOCK, &mut bare) {
                return done(end, bare, longest_run);
            }
        }
        i += BLOCK;
    }
    match slow(i, data.len(), &mut bare) {
        Some(end) => done(end, bare, longest_run),
        None => done(data.len(), bare, longest_run),
    }
}

/// The bytes [`find_dot_line`] looks at together.
const SCAN_BLOCK: usize = 64;

/// What [`find_dot_line`] found.
struct Scanned {
    /// Where the plain content ends.
    end: usize,
    /// Bare LFs before that.
    bare: usize,
    /// The most consecutive whole blocks without a LF.
    longest_run: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
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

    /// The block-wise search against the plain definition, at every
    /// position and block boundary.
    #[test]
    fn dot_line_search_matches_a_byte_by_byte_one() {
        fn plain(data: &[u8], last_was_cr: bool) -> (usize, usize) {
            let mut bare = 0;
            for i in 0..data.len() {
                if data[i] == b'\n' {
                    let cr = if i == 0 {
                        last_was_cr
                    } else {
                        data[i - 1] == b'\r'
                    };
                    if !cr {
                        bare += 1;
                    } else if data.get(i + 1) == Some(&b'.') {
                        return (i + 1, bare);
                    }
                }
            }
            (data.len(), bare)
        }
        let mut base = Vec::new();
        for i in 0..40u8 {
            base.extend_from_slice(b"ab\r\ncd\nef");
            base.push(b'a' + i % 26);
        }
        for at in 0..base.len() {
            for patch in [&b"\r\n."[..], b"\n.", b"\r\n", b".\n"] {
                let mut d = base.clone();
                let end = (at + patch.len()).min(d.len());
                d[at..end].copy_from_slice(&patch[..end - at]);
                for cr in [false, true] {
                    for from in [0, 1, 2, 31, 33] {
                        let part = &d[from.min(d.len())..];
                        // The dispatching search (AVX2 where the CPU has
                        // it) and the portable build of the same pass.
                        for found in [find_dot_line(part, cr), find_dot_line_body(part, cr)] {
                            assert_eq!(
                                (found.end, found.bare),
                                plain(part, cr),
                                "at {at} from {from}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn line_lengths_are_checked_across_jumps_and_pieces() {
        for max in [3, 5, 8, 80, 300, 1000] {
            for len in (1..3 * max).step_by(1 + max / 60) {
                let mut line = vec![b'x'; len];
                line.extend_from_slice(b"\r\n");
                let mut wire = line.repeat(3);
                wire.extend_from_slice(b".\r\n");
                let ok = len + 2 <= max;
                for piece in [1, 2, 7, wire.len()] {
                    let mut inbox = Inbox::new();
                    let mut u = DotUnstuffer::new(max);
                    let mut result = Ok(());
                    'feed: for p in wire.chunks(piece) {
                        inbox.extend_from_slice(p);
                        loop {
                            match u.next(&mut inbox) {
                                Ok(Some(Unstuffed::Data(_))) => {}
                                Ok(Some(Unstuffed::End)) | Ok(None) => break,
                                Err(e) => {
                                    result = Err(e);
                                    break 'feed;
                                }
                            }
                        }
                    }
                    assert_eq!(result.is_ok(), ok, "max {max} len {len} piece {piece}");
                }
            }
        }
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
