//! Properties of the Gopher machines, checked on generated input: any
//! chunking gives the same events, and encode-then-parse gives the value
//! back (menus, requests, texts).

mod common;

use bytes::Bytes;
use common::normalise;
use proptest::prelude::*;
use sanswire::gopher::{
    Body, Client, Event, Item, ItemType, MenuBuilder, Plus, Request, Server, ServerEvent,
};
use sanswire::wire::{Machine, Next};

/// Bytes rich in what menu and text framing get wrong.
fn tricky() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        3 => Just(b'.'),
        3 => Just(b'\r'),
        3 => Just(b'\n'),
        3 => Just(b'\t'),
        2 => Just(b'0'),
        2 => Just(b'i'),
        1 => Just(b'+'),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..300)
}

/// A field a menu line can carry: no TAB, CR, LF or NUL.
fn field() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(
        any::<u8>().prop_filter("breaks the line", |b| !b"\t\r\n\0".contains(b)),
        0..20,
    )
    .prop_map(Bytes::from)
}

fn item() -> impl Strategy<Value = Item> {
    let kind = (0x21u8..0x7f)
        .prop_filter("dot", |b| *b != b'.')
        .prop_map(ItemType::from_byte);
    let plus = prop::option::of(field().prop_filter("empty", |f| !f.is_empty()));
    (
        kind,
        field(),
        field(),
        field(),
        prop::option::of(any::<u16>()),
        plus,
    )
        .prop_map(|(kind, display, selector, host, port, plus)| Item {
            kind,
            display,
            selector,
            host,
            port,
            plus,
        })
}

/// The client's events for `input` (the server's bytes) read as `body`,
/// delivered in pieces of `chunk`, with data pieces joined.
fn client_events(input: &[u8], body: Body, plus: bool, chunk: usize) -> Result<Vec<Event>, String> {
    let mut client = Client::new();
    let mut request = Request::new("/p");
    if plus {
        request = request.with_plus(Plus::Item(None));
    }
    client.get(&request, body).unwrap();
    let mut events: Vec<Event> = Vec::new();
    let mut pieces = input.chunks(chunk.max(1));
    loop {
        match client.poll_event() {
            Ok(Next::Event(Event::End)) => return Ok(events),
            Ok(Next::Event(Event::Data(d))) => match events.last_mut() {
                Some(Event::Data(prev)) => {
                    let mut joined = prev.to_vec();
                    joined.extend_from_slice(&d);
                    *prev = Bytes::from(joined);
                }
                _ => events.push(Event::Data(d)),
            },
            Ok(Next::Event(e)) => events.push(e),
            Ok(Next::NeedInput) => match pieces.next() {
                Some(p) => client.receive(p),
                None => client.receive_eof(),
            },
            Ok(Next::Paused) => return Err("paused".into()),
            Err(e) => return Err(e.to_string()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_chunking_gives_the_same_events(input in tricky(), chunk in 1usize..40, mode in 0u8..6) {
        let body = [Body::Menu, Body::Text, Body::Binary][usize::from(mode % 3)];
        let plus = mode >= 3;
        let whole = client_events(&input, body, plus, input.len());
        prop_assert_eq!(client_events(&input, body, plus, chunk), whole);
    }

    #[test]
    fn menus_encode_then_parse_back(items in prop::collection::vec(item(), 0..20), chunk in 1usize..50) {
        let mut builder = MenuBuilder::new("h", 70);
        for item in &items {
            builder.item(item).unwrap();
        }
        let menu = builder.finish();
        let parsed: Vec<Item> = menu.items().collect();
        prop_assert_eq!(&parsed, &items);
        // The streaming client reads the same items.
        let events = client_events(menu.as_bytes(), Body::Menu, false, chunk).unwrap();
        let streamed: Vec<Item> = events
            .into_iter()
            .map(|e| match e {
                Event::Item(i) => i,
                other => panic!("{other:?}"),
            })
            .collect();
        prop_assert_eq!(streamed, items);
    }

    #[test]
    fn texts_come_back_with_normalised_line_ends(text in tricky(), cut in 1usize..30, chunk in 1usize..30) {
        let mut server = Server::new();
        server.receive(b"/t\r\n");
        let Ok(Next::Event(ServerEvent::Request(_))) = server.poll_event() else { panic!() };
        for piece in text.chunks(cut) {
            server.send_text(Bytes::copy_from_slice(piece)).unwrap();
        }
        server.finish().unwrap();
        let sent = server.outbox().take_vec();
        let events = client_events(&sent, Body::Text, false, chunk).unwrap();
        let got = match &events[..] {
            [] => Vec::new(),
            [Event::Data(d)] => d.to_vec(),
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(got, normalise(&text));
    }

    #[test]
    fn requests_encode_then_parse_back(
        selector in field(),
        search in prop::option::of(field()),
        plus in 0u8..4,
        arg in prop::option::of(field().prop_filter("empty", |f| !f.is_empty())),
        chunk in 1usize..10,
    ) {
        let plus = match plus {
            0 => Plus::None,
            1 => Plus::Item(arg),
            2 => Plus::Attributes(arg),
            _ => Plus::Directory(arg),
        };
        // A query that starts like a Gopher+ string reads as one.
        let ambiguous = plus == Plus::None
            && search.as_ref().is_some_and(|q| matches!(q.first(), Some(b'+' | b'!' | b'$')));
        prop_assume!(!ambiguous);
        let request = Request { selector, search, plus };
        let line = request.to_line().unwrap();
        let mut server = Server::new();
        let mut pieces = line.chunks(chunk);
        loop {
            match server.poll_event() {
                Ok(Next::NeedInput) => server.receive(pieces.next().expect("the line is complete")),
                Ok(Next::Event(ServerEvent::Request(got))) => {
                    prop_assert_eq!(got, request);
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
