#![no_main]
//! The shared framing (lines, dot-stuffed blocks, numbered replies in SMTP's
//! and FTP's forms) on
//! arbitrary bytes, whole and chunked: never a panic, the same result
//! whatever the chunking, and stuffing then unstuffing gives the bytes back.

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sanswire::wire::{DotStuffer, DotUnstuffer, Inbox, LineReader, MultiLine, Outbox, Unstuffed};

fn lines(input: &[u8], chunk: usize) -> Vec<String> {
    let mut inbox = Inbox::new();
    let mut reader = LineReader::new(64);
    let mut out = Vec::new();
    for piece in input.chunks(chunk) {
        inbox.extend_from_slice(piece);
        loop {
            match reader.next_line(&mut inbox) {
                Ok(Some(line)) => out.push(format!("{line:?}")),
                Ok(None) => break,
                Err(e) => {
                    return {
                        out.push(format!("{e}"));
                        out
                    }
                }
            }
        }
    }
    out
}

fn replies(input: &[u8], chunk: usize, rfc959: bool) -> Vec<String> {
    let mut inbox = Inbox::new();
    let mut framer = if rfc959 {
        MultiLine::rfc959(64, 8)
    } else {
        MultiLine::new(64, 8)
    };
    let mut out = Vec::new();
    for piece in input.chunks(chunk) {
        inbox.extend_from_slice(piece);
        loop {
            match framer.next(&mut inbox) {
                Ok(Some((code, raw))) => {
                    out.push(format!("{code}"));
                    out.extend(MultiLine::lines(&raw).map(|l| format!("{l:?}")));
                }
                Ok(None) => break,
                Err(e) => {
                    return {
                        out.push(format!("{e}"));
                        out
                    }
                }
            }
        }
    }
    out
}

/// Unstuffs `wire` in chunks; returns the content and the bare LFs in it,
/// or None if it never ended.
fn unstuff(wire: &[u8], chunk: usize) -> Option<(Vec<u8>, usize)> {
    let mut inbox = Inbox::new();
    let mut block = DotUnstuffer::new(usize::MAX);
    let (mut content, mut bare) = (Vec::new(), 0);
    for piece in wire.chunks(chunk) {
        inbox.extend_from_slice(piece);
        while let Some(step) = block.next(&mut inbox).unwrap() {
            match step {
                // The count so far (the End starts the next block at 0).
                Unstuffed::Data(d) => {
                    content.extend_from_slice(&d);
                    bare = block.bare_line_ends();
                }
                Unstuffed::End => return Some((content, bare)),
            }
        }
    }
    None
}

/// The same, byte by byte as the definition reads (only CRLF starts a
/// line; a dot that starts one is dropped, or ends the block before
/// CRLF): a reference for the vector passes, whichever the CPU runs.
fn unstuff_plain(wire: &[u8]) -> Option<(Vec<u8>, usize)> {
    let (mut content, mut bare) = (Vec::new(), 0);
    let (mut line_start, mut last_was_cr) = (true, false);
    let mut i = 0;
    while i < wire.len() {
        let b = wire[i];
        if line_start && b == b'.' {
            if wire.get(i + 1..i + 3) == Some(b"\r\n") {
                return Some((content, bare));
            }
            line_start = false;
            last_was_cr = false;
            i += 1;
            continue;
        }
        content.push(b);
        line_start = b == b'\n' && last_was_cr;
        if b == b'\n' && !last_was_cr {
            bare += 1;
        }
        last_was_cr = b == b'\r';
        i += 1;
    }
    None
}

/// What the stuffer promises a receiver: bare CR and LF become CRLF and the
/// last line is completed.
fn normalised(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\r' if data.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    assert_eq!(lines(input, input.len().max(1)), lines(input, chunk));
    for rfc959 in [false, true] {
        assert_eq!(
            replies(input, input.len().max(1), rfc959),
            replies(input, chunk, rfc959)
        );
    }

    let mut out = Outbox::new();
    let mut stuffer = DotStuffer::new();
    for piece in input.chunks(chunk) {
        stuffer.stuff(Bytes::copy_from_slice(piece), &mut out);
    }
    stuffer.finish(&mut out);
    let wire = out.take_vec();
    assert_eq!(
        unstuff(&wire, chunk).map(|(content, _)| content).as_deref(),
        Some(&normalised(input)[..])
    );
    // Arbitrary bytes as a received block: what the definition gives.
    assert_eq!(unstuff(input, chunk), unstuff_plain(input));
});
