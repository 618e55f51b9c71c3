#![no_main]
//! The menu parser and the client machine on arbitrary server bytes in
//! arbitrary chunks: never a panic, the same items whatever the chunking
//! (and the same as the whole-menu parser), and every item the builder
//! accepts parses back to itself.

use libfuzzer_sys::fuzz_target;
use sanswire::gopher::{Body, Client, Event, Item, MenuLines, Plus, Request};
use sanswire::wire::{Machine, Next};

fn client(mode: u8) -> Client {
    let mut c = Client::new();
    let body = match mode % 3 {
        0 => Body::Menu,
        1 => Body::Text,
        _ => Body::Binary,
    };
    let mut request = Request::new("/fuzz");
    if mode & 4 != 0 {
        request = request.with_plus(Plus::Item(None));
    }
    c.get(&request, body).unwrap();
    c.outbox().take_vec();
    c
}

fn drive(mode: u8, input: &[u8], chunk: usize) -> Vec<String> {
    let (events, _) = sanswire_fuzz::run(client(mode), input, chunk, |_, _| {}, |_| false);
    sanswire_fuzz::coalesce(events, "Data(b\"")
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let mode = data.first().map_or(0, |b| b / 64);
    assert_eq!(drive(mode, input, input.len().max(1)), drive(mode, input, chunk));

    // The streaming client and the whole-menu parser agree.
    let mut c = client(0);
    c.receive(input);
    c.receive_eof();
    let mut streamed = Vec::new();
    while let Ok(Next::Event(e)) = c.poll_event() {
        if let Event::Item(item) = e {
            streamed.push(item);
        }
    }
    let whole: Vec<_> = MenuLines::new(input).collect();
    if c.conn().error().is_none() {
        assert_eq!(streamed.len(), whole.len());
        for (a, b) in streamed.iter().zip(&whole) {
            assert_eq!(&a.as_ref(), b);
        }
    }

    // Encode what the builder accepts; it parses back to the same item.
    for item in &whole {
        let owned = Item {
            kind: item.kind,
            display: bytes::Bytes::copy_from_slice(item.display),
            selector: bytes::Bytes::copy_from_slice(item.selector),
            host: bytes::Bytes::copy_from_slice(item.host),
            port: item.port,
            plus: item.plus.map(bytes::Bytes::copy_from_slice),
        };
        let mut line = Vec::new();
        if owned.write_line(&mut line).is_ok() {
            let back: Vec<_> = MenuLines::new(&line).collect();
            assert_eq!(back, [owned.as_ref()]);
        }
    }
});
