//! Properties of the NNTP machines: any chunking gives the same events;
//! what one side dot-stuffs the other gets back byte for byte; encoded
//! commands parse back to themselves.

mod nntp_support;

use bytes::Bytes;
use nntp_support::Pair;
use proptest::prelude::*;
use sanswire::nntp::{ArticleRef, Client, Command, Event, Range, Selection, ServerEvent};
use sanswire::wire::{Machine, Next};

/// Line ends as the stuffer sends them: bare CR and bare LF become CRLF,
/// and a last line without an end gets one.
fn normalised(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\r' if data.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
                continue;
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

/// The events of a client reading `wire` (the answers to `commands`) in
/// pieces of `chunk`; content joined per block.
fn events(wire: &[u8], chunk: usize) -> (Vec<Event>, Vec<Vec<u8>>) {
    let mut c = Client::new();
    c.set_pipelining(true);
    for cmd in [
        Command::Group("misc.test".into()),
        Command::Over(Selection::Range(Range::From(1))),
        Command::Article(ArticleRef::Number(1)),
        Command::List {
            kind: sanswire::nntp::ListKind::Active,
            argument: None,
        },
        Command::Quit,
    ] {
        c.send(cmd).unwrap();
    }
    let mut out = Vec::new();
    let mut blocks = vec![Vec::new()];
    for piece in wire.chunks(chunk.max(1)) {
        c.receive(piece);
        loop {
            match c.poll_event() {
                Ok(Next::Event(Event::Data(d))) => blocks.last_mut().unwrap().extend_from_slice(&d),
                Ok(Next::Event(e)) => {
                    if e == Event::End {
                        blocks.push(Vec::new());
                    }
                    out.push(e);
                }
                Ok(_) => break,
                Err(e) => panic!("{e}"),
            }
        }
    }
    (out, blocks)
}

/// The server's events (article data joined) and answers for `wire`
/// fed in pieces of `chunk`, answered by the test spool.
fn server_run(wire: &[u8], chunk: usize) -> (Vec<ServerEvent>, Vec<u8>, Vec<u8>) {
    let mut server = sanswire::nntp::Server::new(true);
    let mut spool = nntp_support::Spool::default();
    let mut events = Vec::new();
    let mut posted = Vec::new();
    for piece in wire.chunks(chunk.max(1)) {
        server.receive(piece);
        while let Ok(Next::Event(e)) = server.poll_event() {
            match &e {
                ServerEvent::ArticleData(d) => posted.extend_from_slice(d),
                other => events.push(other.clone()),
            }
            spool.answer(&mut server, e);
        }
    }
    (events, server.outbox().take_vec(), posted)
}

proptest! {
    #[test]
    fn server_chunking_never_changes_events_or_answers(
        article in proptest::collection::vec(any::<u8>(), 0..300),
        chunk in 1usize..40,
    ) {
        let mut stuffed = Vec::new();
        for line in normalised(&article).split_inclusive(|&b| b == b'\n') {
            if line.first() == Some(&b'.') {
                stuffed.push(b'.');
            }
            stuffed.extend_from_slice(line);
        }
        let mut wire = b"MODE READER\r\nGROUP misc.test\r\nARTICLE\r\nNEXT\r\nOVER 1-2\r\nPOST\r\n".to_vec();
        wire.extend_from_slice(&stuffed);
        wire.extend_from_slice(b".\r\nLIST NEWSGROUPS\r\nHDR Subject 1-\r\nQUIT\r\n");
        let whole = server_run(&wire, wire.len());
        prop_assert_eq!(&server_run(&wire, chunk), &whole);
        prop_assert_eq!(&whole.2, &normalised(&article));
        prop_assert_eq!(whole.0.last(), Some(&ServerEvent::Quit));
    }

    #[test]
    fn chunking_never_changes_the_events(
        article in proptest::collection::vec(any::<u8>(), 0..300),
        chunk in 1usize..40,
    ) {
        let mut stuffed = Vec::new();
        for line in normalised(&article).split_inclusive(|&b| b == b'\n') {
            if line.first() == Some(&b'.') {
                stuffed.push(b'.');
            }
            stuffed.extend_from_slice(line);
        }
        let mut wire = b"200 hi\r\n211 1 1 1 misc.test\r\n224 ov\r\n1\ts\tf\td\t<i@d>\t\t1\t1\r\n.\r\n".to_vec();
        wire.extend_from_slice(b"220 1 <i@d>\r\n");
        wire.extend_from_slice(&stuffed);
        wire.extend_from_slice(b".\r\n215 list\r\nmisc.test 1 1 y\r\n.\r\n205 bye\r\n");
        let whole = events(&wire, wire.len());
        prop_assert_eq!(&events(&wire, chunk), &whole);
        prop_assert_eq!(&whole.1[1], &normalised(&article));
        prop_assert_eq!(whole.0.len(), 11);
    }

    #[test]
    fn post_and_article_roundtrip_byte_for_byte(
        body in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut p = Pair::new();
        p.client.post(Bytes::from(body.clone())).unwrap();
        p.run();
        prop_assert_eq!(&p.spool.posts[0], &normalised(&body));
        // And the other way: the server's block reaches the client whole.
        let mut server = sanswire::nntp::Server::new(true);
        server.receive(b"ARTICLE <x@y>\r\n");
        let Ok(Next::Event(ServerEvent::Article { .. })) = server.poll_event() else { panic!() };
        server.article(0, b"<x@y>", Bytes::from(body.clone())).unwrap();
        let wire = server.outbox().take_vec();
        let mut c = Client::new();
        c.receive(b"200 hi\r\n");
        c.poll_event().unwrap();
        c.article(ArticleRef::MessageId("<x@y>".into())).unwrap();
        c.receive(&wire[wire.iter().position(|&b| b == b'\n').unwrap() + 1..]);
        let mut got = Vec::new();
        loop {
            match c.poll_event().unwrap() {
                Next::Event(Event::Data(d)) => got.extend_from_slice(&d),
                Next::Event(Event::End) => break,
                Next::Event(_) => {}
                other => panic!("{other:?}"),
            }
        }
        prop_assert_eq!(got, normalised(&body));
    }

    #[test]
    fn commands_encode_then_parse_back(
        group in "[a-z][a-z0-9.+_-]{0,30}",
        id in "[!-=?-~]{1,40}",
        low in 0u64..1_000_000,
        span in 0u64..1000,
    ) {
        let id = Bytes::from(format!("<{id}>"));
        for cmd in [
            Command::Group(Bytes::from(group.clone())),
            Command::ListGroup { group: Some(Bytes::from(group.clone())), range: Some(Range::Between(low, low + span)) },
            Command::Article(ArticleRef::MessageId(id.clone())),
            Command::Body(ArticleRef::Number(low)),
            Command::Over(Selection::Range(Range::From(low))),
            Command::IHave(id.clone()),
            Command::Hdr { field: "Subject".into(), selection: Selection::MessageId(id.clone()) },
        ] {
            let line = cmd.encode().unwrap();
            let text = Bytes::copy_from_slice(&line[..line.len() - 2]);
            prop_assert_eq!(Command::parse(&text), Ok(cmd));
        }
    }
}
