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
        // Where the content starts: after a stuffed dot, which is cut off
        // the piece's handle rather than consumed on its own.
        let mut from = 0;
        if self.line_start && data[0] == b'.' {
            match (data.get(1), data.get(2)) {
                (None, _) | (Some(b'\r'), None) => return Ok(None),
                (Some(b'\r'), Some(b'\n')) => {
                    inbox.advance(3);
                    *self = Self::new(self.max_line);
                    return Ok(Some(Unstuffed::End));
                }
                _ => {
                    // RFC 5321 §4.5.3.1.6: the limit does not count this dot.
                    from = 1;
                    self.line_start = false;
                    self.last_was_cr = false;
                }
            }
        }
        let n = from + self.scan(&data[from..])?;
        self.last_was_cr = data[n - 1] == b'\r';
        let mut piece = inbox.split_to(n);
        bytes::Buf::advance(&mut piece, from);
        Ok(Some(Unstuffed::Data(piece)))
    }

    /// How much of `data` (which does not start with a dot line) is plain
    /// content: up to the next line that starts with a dot, or all of it.
    ///
    /// One vector pass that stops at no ordinary line: it finds the next
    /// line that starts with a dot, counts bare LFs, and bounds the line
    /// lengths by the longest stretch without a LF. Only when that bound
    /// is over the limit are line lengths measured, by jumping from line
    /// end to line end at most `max_line` bytes apart (one backward
    /// `memrchr` per jump, not one search per line).
    fn scan(&mut self, data: &[u8]) -> Result<usize, LineError> {
        let Scanned { end, bare, bound } = find_dot_line(data, self.last_was_cr);
        let content = &data[..end];
        // When no line between two LFs of `content` can be over the limit,
        // only the first line (which goes on the carried one) and the last
        // (partial) one need measuring.
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
        if self.line_len == 0 && data.last() == Some(&b'\n') {
            // From a line start to a line end, as every piece before a
            // dot line is: each of its lines is an inner one. This spares
            // two searches per stuffed line.
            return Ok(());
        }
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
}

/// Where the plain content at the front of `data` ends: just before the
/// first line that starts with a dot (after CRLF; `last_was_cr` says the
/// byte before `data` was CR), or at the end. Also counts the bare LFs
/// (not after CR) before that point.
fn find_dot_line(data: &[u8], last_was_cr: bool) -> Scanned {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx512bw") {
        // SAFETY: the CPU has AVX-512BW, checked on the line above, which
        // is all that `avx512::find_dot_line` requires of its caller.
        #[allow(unsafe_code)]
        return unsafe { avx512::find_dot_line(data, last_was_cr) };
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked on the line above, which is
        // all that `avx2::find_dot_line` requires of its caller.
        #[allow(unsafe_code)]
        return unsafe { avx2::find_dot_line(data, last_was_cr) };
    }
    find_dot_line_body(data, last_was_cr)
}

/// [`find_dot_line`] byte by byte over `data[from..to]`, for the edges the
/// vector passes leave: where the content ends if a dot line starts in
/// there, counting the bare LFs before it in `bare`.
fn dot_line_in_bytes(
    data: &[u8],
    from: usize,
    to: usize,
    last_was_cr: bool,
    bare: &mut usize,
) -> Option<usize> {
    for i in from..to {
        if data[i] == b'\n' {
            let cr = match i.checked_sub(1) {
                Some(before) => data[before] == b'\r',
                None => last_was_cr,
            };
            if !cr {
                *bare += 1;
            } else if data.get(i + 1) == Some(&b'.') {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Walks the odd lanes of a block or vector (bit `k`: the LF of lane `k`
/// is bare or starts a dot line; `before[k]` is the byte before it): the
/// end of the content at the first that starts a dot line, found at `base
/// + k + 1`; the others are bare, and counted in `bare`.
#[inline(always)]
fn walk_odd_lanes(mut lanes: u64, before: &[u8], base: usize, bare: &mut usize) -> Option<usize> {
    while lanes != 0 {
        let k = lanes.trailing_zeros() as usize;
        if before[k] == b'\r' {
            return Some(base + k + 1);
        }
        *bare += 1;
        lanes &= lanes - 1;
    }
    None
}

#[inline(always)]
fn find_dot_line_body(data: &[u8], last_was_cr: bool) -> Scanned {
    const BLOCK: usize = SCAN_BLOCK;
    // Byte by byte, for the first byte and the tail.
    let slow = |from: usize, to: usize, bare: &mut usize| {
        dot_line_in_bytes(data, from, to, last_was_cr, bare)
    };
    let mut bare = 0;
    // The longest run of whole blocks without a LF: it bounds how long a
    // line can be, so line lengths need no search of their own.
    let (mut run, mut longest_run) = (0, 0);
    // A line between two LFs spans at most the longest LF-free run of
    // blocks, the two blocks around it and the unscanned edges.
    let done = |end, bare, longest_run: usize| Scanned {
        end,
        bare,
        bound: (longest_run + 3) * BLOCK + 1,
    };
    // A LF at `i` ends a line; the dot would be at `i + 1`. The blocks
    // look at LFs in [i, i + BLOCK) with the bytes before and after them.
    if data.is_empty() {
        return done(0, 0, 0);
    }
    if let Some(end) = slow(0, 1, &mut bare) {
        return done(end, bare, 0);
    }
    let mut i = 1;
    // One bounds check a block: the window of the block and a byte on
    // either side, from which the three views are cut at fixed offsets.
    while let Some(window) = data.get(i - 1..i + BLOCK + 1) {
        let window: &[u8; BLOCK + 2] = window.try_into().expect("window");
        let before: &[u8; BLOCK] = window[..BLOCK].try_into().expect("block");
        let here: &[u8; BLOCK] = window[1..=BLOCK].try_into().expect("block");
        let after: &[u8; BLOCK] = window[2..].try_into().expect("block");
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
            // Look closer, at the LFs that made the block odd.
            let lanes = odd_lanes(before, here, after);
            if let Some(end) = walk_odd_lanes(lanes, before, i, &mut bare) {
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

/// Which bytes of a block are odd (a LF that is bare or starts a dot
/// line), one bit each: built 32 lanes at a time, which the compiler does
/// with vector compares, where a byte loop would take some 450
/// instructions a block (once per stuffed line).
#[inline(always)]
fn odd_lanes(before: &[u8; SCAN_BLOCK], here: &[u8; SCAN_BLOCK], after: &[u8; SCAN_BLOCK]) -> u64 {
    let mut lanes = 0u64;
    for half in 0..SCAN_BLOCK / 32 {
        let mut bits = 0u32;
        for k in 0..32 {
            let j = half * 32 + k;
            let odd = (here[j] == b'\n') & ((before[j] != b'\r') | (after[j] == b'.'));
            bits |= u32::from(odd) << k;
        }
        lanes |= u64::from(bits) << (32 * half);
    }
    lanes
}

/// The bytes [`find_dot_line`] looks at together.
const SCAN_BLOCK: usize = 64;

/// What [`find_dot_line`] found.
struct Scanned {
    /// Where the plain content ends.
    end: usize,
    /// Bare LFs before that.
    bare: usize,
    /// No line between two LFs of the content is longer than this (a bound
    /// from the longest stretch of blocks without a LF, not a measure).
    bound: usize,
}

/// Stretches of bytes without a LF, for the vector passes: the longest so
/// far, and where the last one ends. Only LF-free stretches are recorded,
/// so in mail of ordinary lines, where every step holds a LF, this costs a
/// test and a branch that is never taken.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[derive(Default)]
struct Gaps {
    run: usize,
    run_end: usize,
    longest: usize,
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
impl Gaps {
    /// The `len` bytes from `at` hold no LF.
    #[cold]
    fn lf_free(&mut self, at: usize, len: usize) {
        if at != self.run_end {
            self.run = 0;
        }
        self.run += len;
        self.run_end = at + len;
        self.longest = self.longest.max(self.run);
    }

    /// What a pass found: the content's end, the bare LFs before it, and
    /// the bound on line lengths, which is the longest LF-free stretch
    /// and the pass's `slack` (what a line can span around one).
    fn found(&self, end: usize, bare: usize, slack: usize) -> Scanned {
        Scanned {
            end,
            bare,
            bound: self.longest + slack,
        }
    }
}

/// [`find_dot_line`] written with AVX2 intrinsics: 128 bytes a step,
/// with one test for the whole step, where the compiler's vectors of
/// [`find_dot_line_body`] test every 64 bytes and keep a chain of
/// conditional moves for the LF-free runs. With the per-piece changes
/// around it, the DATA profile (`PROFILE=data` in `benches/ratios.rs`)
/// went from 2.38 M to 1.53 M instructions for four MiB (README, sixth
/// round of the peer ratios).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[allow(unsafe_code)]
mod avx2 {
    use super::{dot_line_in_bytes, walk_odd_lanes, Gaps, Scanned};
    use core::arch::x86_64::{
        __m256i, _mm256_andnot_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_testz_si256,
    };

    /// The bytes one step looks at.
    const STEP: usize = 128;
    /// The bytes of a vector.
    const LANES: usize = 32;

    /// 32 bytes as a vector.
    #[inline(always)]
    fn load(bytes: &[u8; LANES]) -> __m256i {
        // SAFETY: `bytes` is a reference to 32 readable bytes, and an
        // unaligned load reads exactly those 32, at any alignment.
        unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
    }

    /// 32 bytes from `at` in `window` (which must hold them).
    #[inline(always)]
    fn lanes_at(window: &[u8], at: usize) -> &[u8; LANES] {
        window[at..at + LANES].try_into().expect("32 bytes")
    }

    /// For the 32 bytes at `window[1..33]`: the LFs that are bare or
    /// start a dot line (odd), and all LFs. `window` holds the byte
    /// before and the byte after too.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn odd_and_lf(window: &[u8; LANES + 2]) -> (__m256i, __m256i) {
        let lf = _mm256_cmpeq_epi8(load(lanes_at(window, 1)), _mm256_set1_epi8(b'\n' as i8));
        let cr_before = _mm256_cmpeq_epi8(load(lanes_at(window, 0)), _mm256_set1_epi8(b'\r' as i8));
        let dot_after = _mm256_cmpeq_epi8(load(lanes_at(window, 2)), _mm256_set1_epi8(b'.' as i8));
        // lf & !(cr_before & !dot_after): a LF not after CR, or before a dot.
        let fine = _mm256_andnot_si256(dot_after, cr_before);
        (_mm256_andnot_si256(fine, lf), lf)
    }

    /// Whether a vector is all zero.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn none(v: __m256i) -> bool {
        _mm256_testz_si256(v, v) != 0
    }

    /// One bit a lane of a vector of compare results.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn mask(v: __m256i) -> u64 {
        u64::from(_mm256_movemask_epi8(v) as u32)
    }

    /// See [`super::find_dot_line`].
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn find_dot_line(data: &[u8], last_was_cr: bool) -> Scanned {
        // A line wholly inside the scanned bytes spans at most the longest
        // LF-free stretch, the two steps around it, and the bytes before
        // the steps (at most 32) or after them (at most 32).
        const SLACK: usize = 2 * STEP + LANES + 2;
        let mut bare = 0;
        let mut gaps = Gaps::default();
        let done = |end, bare, gaps: &Gaps| gaps.found(end, bare, SLACK);
        // The first byte, whose CR is the one before `data`.
        if data.is_empty() {
            return done(0, 0, &gaps);
        }
        if let Some(end) = dot_line_in_bytes(data, 0, 1, last_was_cr, &mut bare) {
            return done(end, bare, &gaps);
        }
        let mut i = 1;
        // The bytes up to the first 32-byte boundary, in one vector with
        // the lanes past it masked off: then every step's middle loads are
        // aligned, and fewer loads cross a cache line (5% less time).
        let to_boundary = (LANES - (data.as_ptr() as usize + 1) % LANES) % LANES;
        if to_boundary > 0 {
            if let Some(window) = data.get(..LANES + 2) {
                let (odd, _) = odd_and_lf(window.try_into().expect("vector"));
                let lanes = mask(odd) & ((1 << to_boundary) - 1);
                if let Some(end) = walk_odd_lanes(lanes, window, 1, &mut bare) {
                    return done(end, bare, &gaps);
                }
                i += to_boundary;
            }
        }
        // Steps of 128 bytes: four vectors, one test for all four. The
        // windows are cut from what is left, so a step costs one length
        // test, not the bounds of a range.
        let mut rest = &data[i - 1..];
        while let Some((window, _)) = rest.split_first_chunk::<{ STEP + 2 }>() {
            rest = &rest[STEP..];
            let vector = |q: usize| -> &[u8; LANES + 2] {
                window[q * LANES..q * LANES + LANES + 2]
                    .try_into()
                    .expect("vector")
            };
            let (o0, l0) = odd_and_lf(vector(0));
            let (o1, l1) = odd_and_lf(vector(1));
            let (o2, l2) = odd_and_lf(vector(2));
            let (o3, l3) = odd_and_lf(vector(3));
            let lf = _mm256_or_si256(_mm256_or_si256(l0, l1), _mm256_or_si256(l2, l3));
            if none(lf) {
                gaps.lf_free(i, STEP);
            }
            let odd = _mm256_or_si256(_mm256_or_si256(o0, o1), _mm256_or_si256(o2, o3));
            if !none(odd) {
                for (q, odd) in [o0, o1, o2, o3].into_iter().enumerate() {
                    let at = q * LANES;
                    if let Some(end) = walk_odd_lanes(mask(odd), &window[at..], i + at, &mut bare) {
                        return done(end, bare, &gaps);
                    }
                }
            }
            i += STEP;
        }
        // Then vectors, then the last bytes one by one.
        while let Some(window) = data.get(i - 1..i + LANES + 1) {
            let (odd, lf) = odd_and_lf(window.try_into().expect("vector"));
            if none(lf) {
                gaps.lf_free(i, LANES);
            }
            if let Some(end) = walk_odd_lanes(mask(odd), window, i, &mut bare) {
                return done(end, bare, &gaps);
            }
            i += LANES;
        }
        match dot_line_in_bytes(data, i, data.len(), last_was_cr, &mut bare) {
            Some(end) => done(end, bare, &gaps),
            None => done(data.len(), bare, &gaps),
        }
    }
}

/// [`find_dot_line`] with AVX-512BW, where the CPU has it. Each 64-byte
/// block is loaded once and compared three times into bit masks (LF, CR,
/// dot); the byte before and after each LF is then read off those masks
/// shifted by one, where the AVX2 pass loads every vector three times,
/// one byte apart. Four blocks a step, one test for all four.
///
/// On the Intel Xeon (Emerald Rapids) of the eighth round, over the DATA
/// row's MiB of mail, this pass took 27 µs where the AVX2 one took 44 µs;
/// an AVX-512 pass that loaded each block three times took 36 µs (README,
/// eighth round of the peer ratios).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[allow(unsafe_code)]
mod avx512 {
    use super::{dot_line_in_bytes, Gaps, Scanned};
    use core::arch::x86_64::{_mm512_cmpeq_epi8_mask, _mm512_loadu_si512, _mm512_set1_epi8};

    /// The bytes of a block (one vector).
    const BLOCK: usize = 64;
    /// The blocks of a step.
    const BLOCKS: usize = 4;

    /// Which bytes of a block are LF, CR or a dot: bit `k` for byte `k`.
    #[derive(Clone, Copy)]
    struct Marks {
        lf: u64,
        cr: u64,
        dot: u64,
    }

    /// The marks of a block.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn marks(block: &[u8; BLOCK]) -> Marks {
        // SAFETY: `block` is a reference to 64 readable bytes, and an
        // unaligned load reads exactly those 64, at any alignment.
        let v = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
        Marks {
            lf: _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'\n' as i8)),
            cr: _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'\r' as i8)),
            dot: _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'.' as i8)),
        }
    }

    /// The odd LFs of a block (bare, or before a dot) and the bytes that
    /// follow a CR, given whether the byte before the block is a CR
    /// (`cr_before`, 0 or 1) and the dots of the block after it.
    #[inline(always)]
    fn odd(m: Marks, cr_before: u64, next_dot: u64) -> (u64, u64) {
        let after_cr = (m.cr << 1) | cr_before;
        let before_dot = (m.dot >> 1) | (next_dot << 63);
        (m.lf & (!after_cr | before_dot), after_cr)
    }

    /// Walks a block's odd LFs from `base`: the content ends after the
    /// first that follows a CR (it starts a dot line); the others are
    /// bare, counted in `bare`.
    #[inline(always)]
    fn walk(mut odd: u64, after_cr: u64, base: usize, bare: &mut usize) -> Option<usize> {
        while odd != 0 {
            let k = odd.trailing_zeros();
            if after_cr >> k & 1 != 0 {
                return Some(base + k as usize + 1);
            }
            *bare += 1;
            odd &= odd - 1;
        }
        None
    }

    /// See [`super::find_dot_line`].
    ///
    /// # Safety
    /// The CPU must support AVX-512BW.
    #[target_feature(enable = "avx512bw")]
    pub(super) unsafe fn find_dot_line(data: &[u8], last_was_cr: bool) -> Scanned {
        // A line between two LFs of the content spans at most the longest
        // LF-free stretch of blocks and the two blocks around it, or, to a
        // LF in the bytes after the blocks (fewer than two blocks), one
        // block, the stretch and those bytes.
        const SLACK: usize = 3 * BLOCK + 2;
        let mut bare = 0;
        let mut gaps = Gaps::default();
        let done = |end, bare, gaps: &Gaps| gaps.found(end, bare, SLACK);
        let block = |at: usize| -> &[u8; BLOCK] { data[at..at + BLOCK].try_into().expect("block") };
        let mut at = 0;
        if data.len() >= 2 * BLOCK {
            let mut cr_before = u64::from(last_was_cr);
            let mut here = marks(block(0));
            // Each block needs the first dot of the block after it, so a
            // step reads one block ahead. One bounds check a step: the
            // blocks are cut from the step's window at fixed offsets.
            const WINDOW: usize = (BLOCKS + 1) * BLOCK;
            while let Some(window) = data[at..].first_chunk::<WINDOW>() {
                let mut m = [here; BLOCKS + 1];
                for (q, marks_q) in m.iter_mut().enumerate().skip(1) {
                    *marks_q = marks(window[q * BLOCK..][..BLOCK].try_into().expect("block"));
                }
                let mut odds = [0; BLOCKS];
                let mut after_crs = [0; BLOCKS];
                let mut lf_free = false;
                for q in 0..BLOCKS {
                    let carry = if q == 0 { cr_before } else { m[q - 1].cr >> 63 };
                    (odds[q], after_crs[q]) = odd(m[q], carry, m[q + 1].dot);
                    lf_free |= m[q].lf == 0;
                }
                // Recorded before any walk, so that the blocks of content
                // up to a dot line in this step are all counted.
                if lf_free {
                    for (q, m) in m[..BLOCKS].iter().enumerate() {
                        if m.lf == 0 {
                            gaps.lf_free(at + q * BLOCK, BLOCK);
                        }
                    }
                }
                if odds.iter().any(|&o| o != 0) {
                    for q in 0..BLOCKS {
                        if let Some(end) = walk(odds[q], after_crs[q], at + q * BLOCK, &mut bare) {
                            return done(end, bare, &gaps);
                        }
                    }
                }
                cr_before = m[BLOCKS - 1].cr >> 63;
                here = m[BLOCKS];
                at += BLOCKS * BLOCK;
            }
            // Then block by block, while the block after is there too.
            while at + 2 * BLOCK <= data.len() {
                let next = marks(block(at + BLOCK));
                let (odd, after_cr) = odd(here, cr_before, next.dot);
                if here.lf == 0 {
                    gaps.lf_free(at, BLOCK);
                }
                if let Some(end) = walk(odd, after_cr, at, &mut bare) {
                    return done(end, bare, &gaps);
                }
                cr_before = here.cr >> 63;
                here = next;
                at += BLOCK;
            }
        }
        // The last bytes (fewer than two blocks) one by one.
        match dot_line_in_bytes(data, at, data.len(), last_was_cr, &mut bare) {
            Some(end) => done(end, bare, &gaps),
            None => done(data.len(), bare, &gaps),
        }
    }
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

    /// What [`find_dot_line`] finds, by its definition, byte by byte.
    fn plain_dot_line(data: &[u8], last_was_cr: bool) -> (usize, usize) {
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

    /// The longest line between two LFs of `content` (LF included).
    fn longest_inner_line(content: &[u8]) -> usize {
        let ends: Vec<usize> = memchr::memchr_iter(b'\n', content).collect();
        ends.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
    }

    /// What each build of the pass that this CPU can run finds: the
    /// portable one, and the AVX2 and AVX-512 ones where the CPU has them
    /// (the dispatching `find_dot_line` picks one of these).
    fn every_pass(data: &[u8], last_was_cr: bool) -> Vec<Scanned> {
        #[allow(unused_mut)]
        let mut found = vec![
            find_dot_line(data, last_was_cr),
            find_dot_line_body(data, last_was_cr),
        ];
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        #[allow(unsafe_code)]
        {
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, checked on the line above.
                found.push(unsafe { avx2::find_dot_line(data, last_was_cr) });
            }
            if std::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the CPU has AVX-512BW, checked on the line above.
                found.push(unsafe { avx512::find_dot_line(data, last_was_cr) });
            }
        }
        found
    }

    /// The block-wise search against the plain definition, at every
    /// position and block boundary.
    #[test]
    fn dot_line_search_matches_a_byte_by_byte_one() {
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
                    for from in 0..34 {
                        let part = &d[from.min(d.len())..];
                        for found in every_pass(part, cr) {
                            assert_eq!(
                                (found.end, found.bare),
                                plain_dot_line(part, cr),
                                "at {at} from {from}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The same against random text of CR, LF, dots and letters, at
    /// random lengths and starting offsets (all alignments of the vector
    /// pass, its masked first vector, its steps and its tail).
    #[test]
    fn dot_line_search_matches_on_random_text() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut buf = vec![0u8; 2200];
        for _ in 0..4000 {
            // Mostly letters, so that odd lanes stay sparse as in mail;
            // some texts have no LF for hundreds of bytes at a time, for
            // the bound on line lengths.
            let sparse_lf = next() % 4 == 0;
            let dense = !sparse_lf && next() % 4 == 0;
            for b in buf.iter_mut() {
                let r = next() % if dense { 4 } else { 40 };
                *b = match r {
                    0 => b'\r',
                    1 if !sparse_lf || next() % 16 == 0 => b'\n',
                    2 => b'.',
                    _ => b'a',
                };
            }
            let from = (next() % 64) as usize;
            let len = (next() % 2100) as usize;
            let part = &buf[from..from + len];
            let cr = next() % 2 == 0;
            let want = plain_dot_line(part, cr);
            for found in every_pass(part, cr) {
                assert_eq!((found.end, found.bare), want, "from {from} len {len}");
                // The bound must hold for every line the content holds
                // whole, or a long one would pass unmeasured.
                let longest = longest_inner_line(&part[..found.end]);
                assert!(found.bound >= longest, "bound {} < {longest}", found.bound);
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

    /// A line at, just under or just over the limit, after short lines
    /// that put it at every offset of the 128-byte (AVX2) and 256-byte (AVX-512) steps: refused exactly
    /// when it is too long, whichever way the bound sends the check.
    #[test]
    fn the_line_limit_holds_at_every_offset() {
        for max in [40, 100, 290, 300, 400, 1000] {
            for len in max - 2..=max + 2 {
                for lead in 0..260 {
                    let mut wire = Vec::new();
                    // Short lines of 3 to 7 bytes, at least `lead` in all.
                    let mut k = 0usize;
                    while wire.len() < lead {
                        wire.extend_from_slice(&vec![b'a'; 1 + k % 5]);
                        wire.extend_from_slice(b"\r\n");
                        k += 1;
                    }
                    wire.extend_from_slice(&vec![b'x'; len - 2]);
                    wire.extend_from_slice(b"\r\nend\r\n.\r\n");
                    let longest = wire
                        .split_inclusive(|&b| b == b'\n')
                        .map(<[u8]>::len)
                        .max()
                        .unwrap();
                    let mut inbox = Inbox::new();
                    inbox.extend_from_slice(&wire);
                    let mut u = DotUnstuffer::new(max);
                    let result = loop {
                        match u.next(&mut inbox) {
                            Ok(Some(Unstuffed::Data(_))) => {}
                            Ok(_) => break Ok(()),
                            Err(e) => break Err(e),
                        }
                    };
                    assert_eq!(
                        result.is_ok(),
                        longest <= max,
                        "max {max} len {len} lead {lead}"
                    );
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
