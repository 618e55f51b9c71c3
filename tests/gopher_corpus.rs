//! Menus as real servers send them, in `tests/gopher_corpus/`: the
//! examples of RFC 1436, a gophernicus menu (padded display strings, info
//! lines with `null.host`, a footer), a pygopherd menu (LF line ends,
//! Gopher+ `+` fields, Latin-1 bytes, no final `.`), and the lenient cases
//! (`i` lines with missing fields, trailing tabs, padded or broken ports,
//! blank lines, unknown types, a stuffed line, a last line without its
//! end). Each is read whole with `MenuLines` and streamed through the
//! client machine a byte at a time: both must give the same items.

use bytes::Bytes;
use sanswire::gopher::{Body, Client, Event, GopherUrl, Item, ItemType, MenuLines, Request};
use sanswire::wire::{Machine, Next};

fn corpus(name: &str) -> Bytes {
    let path = format!("{}/tests/gopher_corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// The items, parsed whole and streamed, checked equal.
fn items(name: &str) -> Vec<Item> {
    let menu = corpus(name);
    let whole: Vec<Item> = MenuLines::new(&menu).map(|i| i.to_item(&menu)).collect();
    let mut client = Client::new();
    client.get(&Request::new(""), Body::Menu).unwrap();
    let mut streamed = Vec::new();
    let mut bytes = menu.iter();
    loop {
        match client.poll_event().unwrap() {
            Next::Event(Event::Item(item)) => streamed.push(item),
            Next::Event(Event::End) => break,
            Next::NeedInput => match bytes.next() {
                Some(b) => client.receive(&[*b]),
                None => client.receive_eof(),
            },
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(streamed, whole, "{name}");
    whole
}

#[test]
fn rfc_1436_examples() {
    let items = items("rfc1436.menu");
    assert_eq!(items.len(), 8);
    assert_eq!(items[0].kind, ItemType::Text);
    assert_eq!(&items[0].selector[..], b"Stuff:About us");
    assert_eq!(&items[3].selector[..], b"");
    assert_eq!(items[3].port, Some(9120));
    assert_eq!(items[6].kind, ItemType::Search);
    assert_eq!(items[7].kind, ItemType::Telnet);
    let url = GopherUrl::for_item(&items[1]).unwrap();
    assert_eq!(
        url.to_string(),
        "gopher://underdog.micro.umn.edu/1Z,5692,AUM"
    );
    assert!(
        GopherUrl::for_item(&items[7]).is_none(),
        "telnet is no gopher URL"
    );
}

#[test]
fn gophernicus_menu() {
    let items = items("gophernicus.menu");
    assert_eq!(items.len(), 8);
    assert_eq!(
        (items[0].kind, &items[0].display[..]),
        (ItemType::Info, &b"[/]"[..])
    );
    assert_eq!(&items[1].display[..], b"");
    assert!(items[2].display.starts_with(b"docs    "));
    assert_eq!(&items[2].selector[..], b"/docs/");
    assert_eq!(items[4].kind, ItemType::Gif);
    assert_eq!(
        (items[5].kind, &items[5].selector[..]),
        (ItemType::Html, &b"URL:https://example.org/"[..])
    );
    assert!(items[7].display.ends_with(b"Debian/12 x86_64"));
}

#[test]
fn pygopherd_menu_without_its_final_dot() {
    let items = items("pygopherd.menu");
    assert_eq!(items.len(), 7);
    assert_eq!(items[0].port, Some(0));
    assert_eq!(&items[0].host[..], b"(NULL)");
    assert!(items[1..]
        .iter()
        .all(|i| i.plus.as_deref() == Some(&b"+"[..])));
    assert_eq!(&items[2].display[..], b"A caf\xe9 text in Latin-1");
    assert_eq!(
        String::from_utf8_lossy(&items[2].display),
        "A caf\u{fffd} text in Latin-1"
    );
    let kinds: Vec<ItemType> = items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            ItemType::Info,
            ItemType::Menu,
            ItemType::Text,
            ItemType::Image,
            ItemType::Binary,
            ItemType::Document,
            ItemType::Sound
        ]
    );
}

#[test]
fn lenient_lines() {
    let items = items("lenient.menu");
    let by_display = |d: &str| {
        items
            .iter()
            .find(|i| &i.display[..] == d.as_bytes())
            .unwrap_or_else(|| panic!("{d:?} not in {items:?}"))
    };
    let bare = by_display("info line with no fields at all");
    assert_eq!(
        (bare.kind, bare.selector.len(), bare.host.len(), bare.port),
        (ItemType::Info, 0, 0, None)
    );
    assert_eq!(by_display("info with one tab").port, None);
    let trailing = by_display("Trailing tabs");
    assert_eq!((trailing.port, &trailing.plus), (Some(70), &None));
    assert_eq!(by_display("Padded port").port, Some(70));
    assert_eq!(by_display("Bad port").port, None);
    assert_eq!(by_display("tn3270").kind, ItemType::Tn3270);
    assert_eq!(by_display("Mirror").kind, ItemType::Mirror);
    assert_eq!(by_display("Unknown type").kind, ItemType::Other(b'x'));
    // `..stuffed line` unstuffed: type `.`, display "stuffed line".
    assert_eq!(by_display("stuffed line").kind, ItemType::Other(b'.'));
    assert_eq!(
        &by_display("Last line without an end").selector[..],
        b"/last"
    );
    assert_eq!(items.len(), 10, "the blank line is skipped");
}
