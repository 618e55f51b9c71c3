#![no_main]
//! The raw byte-stream machine (to end of stream and dot-terminated) and
//! the deflate layers on arbitrary bytes: never a panic, never unbounded
//! memory, the same bytes out whatever the chunking, and deflate then
//! inflate gives the input back.

use libfuzzer_sys::fuzz_target;
use sanswire::wire::{Deflate, Format, Inflate, Machine, Outbox, Raw};
use sanswire_fuzz::{plan, run_all};

fn through(raw: Raw, input: &[u8], chunk: usize) -> (Vec<String>, Vec<u8>) {
    let (events, _, content) = run_all(raw, input, chunk, |_, _| {}, |_| false);
    (events, content)
}

/// The same events and bytes whatever the chunking, except before a fatal
/// error: content streams out as it arrives, so how much came out before a
/// line too long or a corrupt compressed stream was seen depends on the
/// cut (and inflate hands its window out in pieces). Then both must end in
/// the same error, one output a prefix of the other.
fn agree(a: (Vec<String>, Vec<u8>), b: (Vec<String>, Vec<u8>)) {
    let last = |e: &[String]| e.last().filter(|l| l.starts_with("error")).cloned();
    match (last(&a.0), last(&b.0)) {
        (None, None) => assert_eq!(a, b),
        (ea, eb) => {
            assert_eq!(ea, eb, "{:?} {:?}", a.0, b.0);
            // Escapes may be cut apart at the shorter end.
            let n = a.1.len().min(b.1.len()).saturating_sub(4);
            assert_eq!(a.1[..n], b.1[..n]);
        }
    }
}

fn inflating(format: Format) -> Raw {
    let mut raw = Raw::new();
    raw.inbox().push_decoder(Box::new(Inflate::new(format)));
    raw
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = plan(data);
    let whole = input.len().max(1);

    let dotted = || Raw::dot_terminated(64).allow_eof_as_end(chunk % 2 == 0);
    agree(
        through(dotted(), input, whole),
        through(dotted(), input, chunk),
    );
    agree(
        through(Raw::new(), input, whole),
        through(Raw::new(), input, chunk),
    );
    // Arbitrary bytes as a compressed stream.
    for format in [Format::Raw, Format::Zlib] {
        agree(
            through(inflating(format), input, whole),
            through(inflating(format), input, chunk),
        );
    }

    // Round trip, the encoder sealed after every chunk as drivers do.
    let mut out = Outbox::new();
    out.push_encoder(Box::new(Deflate::new(Format::Raw, (chunk % 10) as u8)));
    let mut wire = Vec::new();
    for piece in input.chunks(chunk) {
        out.write(piece);
        wire.extend(out.take_vec());
    }
    let (events, back) = through(inflating(Format::Raw), &wire, chunk);
    // `run_all` gathers data as its debug text: compare in the same form.
    let text = format!("{:?}", bytes::Bytes::copy_from_slice(input));
    assert_eq!(back, &text.as_bytes()[2..text.len() - 1], "{events:?}");
});
