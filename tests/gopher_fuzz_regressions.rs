//! Inputs the Gopher fuzzers found, kept as tests.

use sanswire::gopher::{Body, Client, Event, MenuLines, Request};
use sanswire::wire::{Machine, Next};

/// `gopher_menu`'s first crash (`fuzz/seeds/gopher_menu/crash-cr-before-crlf`):
/// a line `.\r\r\n`. The streaming client (through `wire::LineReader`)
/// took CRLF off and then one more CR, reading the terminator; the
/// whole-menu parser split at the LF only and took one CR off, reading an
/// item. Both now cut CRLF or LF first, then an item line loses one more
/// trailing CR, so they agree.
#[test]
fn cr_before_crlf_reads_the_same_streamed_and_whole() {
    let input: &[u8] =
        b"iWe\xff\xff\xff\xff\xff\xff\xeccom:\t\tet\t70\t+\t/\0\x08\x0070\r\n.\r\r\n.\r=";
    let whole: Vec<_> = MenuLines::new(input).collect();
    let mut client = Client::new();
    client.get(&Request::new(""), Body::Menu).unwrap();
    client.receive(input);
    client.receive_eof();
    let mut streamed = Vec::new();
    loop {
        match client.poll_event().unwrap() {
            Next::Event(Event::Item(item)) => streamed.push(item),
            Next::Event(Event::End) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(streamed.len(), whole.len());
    for (a, b) in streamed.iter().zip(&whole) {
        assert_eq!(&a.as_ref(), b);
    }
    assert_eq!(whole.len(), 2, "{whole:?}");
}
