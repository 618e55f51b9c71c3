#![no_main]
//! The IMAP fragmentizer on arbitrary bytes in arbitrary chunks, literals
//! over a small limit refused: never a panic, never more buffered than
//! the limits allow, the same messages whatever the chunking.

use libfuzzer_sys::fuzz_target;
use sanswire::imap::{Framed, Framer, Limits};
use sanswire::wire::Inbox;

fn frames(input: &[u8], chunk: usize) -> Vec<Result<Vec<u8>, String>> {
    let limits = Limits {
        max_line: 256,
        max_literal: 300,
        max_literals: 8,
        ..Limits::default()
    };
    let mut inbox = Inbox::new();
    let mut framer = Framer::new();
    let mut out = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        inbox.extend_from_slice(piece);
        loop {
            match framer.next(&mut inbox, &limits) {
                Ok(Some(Framed::Message(m))) => out.push(Ok(m.to_vec())),
                Ok(Some(Framed::Literal(l))) if l.size > limits.max_literal => {
                    let first = framer.refuse(&mut inbox);
                    out.push(Err(format!("refused {} after {:?}", l.size, first)));
                }
                Ok(Some(Framed::Literal(_))) => framer.accept(),
                Ok(None) => break,
                Err(e) => {
                    out.push(Err(e.to_string()));
                    return out;
                }
            }
            // 8 literals of 300 and 9 lines of 256, at most.
            assert!(inbox.len() <= 8 * 300 + 9 * 256 + chunk.max(1));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    assert_eq!(frames(input, input.len().max(1)), frames(input, chunk));
});
