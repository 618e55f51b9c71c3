//! Whole Gopher conversations: the client and server machines in memory
//! (a virtual clock where time matters), then the typed sessions over the
//! blocking, tokio and futures-io drivers against the server machine on
//! the blocking driver, over loopback.

use bytes::Bytes;
use sanswire::gopher::{
    ops, AttributesBuilder, Body, Client, DataHeader, ErrorKind, Event, Item, ItemType, Length,
    MenuBuilder, Plus, Refusal, Request, Server, ServerEvent, CLIENT_TIMEOUT, SERVER_TIMEOUT,
};
use sanswire::wire::{CommonError, Instant, Machine, Next, OpStep, Operation, ProtocolError};
use std::net::{TcpListener, TcpStream};

/// The answers of a small gopher hole.
fn answer(server: &mut Server, request: &Request) {
    let selector = &request.selector[..];
    let r = match (&request.plus, selector) {
        (Plus::Attributes(_), _) => {
            let mut a = AttributesBuilder::new();
            let item = Item::new(ItemType::Text, "About", "/about", "h", 70).with_plus();
            a.info(&item).unwrap();
            a.block("ADMIN", "")
                .unwrap()
                .line("Admin: Kim <kim@example.org>")
                .unwrap();
            a.block("VIEWS", "")
                .unwrap()
                .line("text/plain: <1k>")
                .unwrap();
            server.send_attributes(&a.finish())
        }
        (_, b"" | b"/") => {
            let mut m = MenuBuilder::new("h", 70);
            m.info("Welcome \u{2013} caf\u{e9}").unwrap();
            m.link(ItemType::Text, "About", "/about").unwrap();
            m.link(ItemType::Search, "Search", "/search").unwrap();
            m.item(&Item::new(ItemType::Gif, &b"pic \xff"[..], "/pic", "h", 70).with_plus())
                .unwrap();
            server.send_menu(&m.finish())
        }
        (_, b"/about") => server
            .send_text(Bytes::from_static(b"About\n.dot\n..two\n.\nend"))
            .and_then(|_| server.finish()),
        (_, b"/search") => {
            let q = request.search.clone().unwrap_or_default();
            let mut m = MenuBuilder::new("h", 70);
            m.link(ItemType::Text, q, "/found").unwrap();
            server.send_menu(&m.finish())
        }
        (Plus::Item(_), b"/pic") => server
            .send_header(DataHeader::new(Length::Bytes(6)))
            .and_then(|_| server.send_binary(Bytes::from_static(b"GIF89a")))
            .and_then(|_| server.finish()),
        (_, b"/pic") => server
            .send_binary(Bytes::from_static(b"GIF89a\r\n.\r\n"))
            .and_then(|_| server.finish()),
        _ => server.send_error("Not found"),
    };
    r.unwrap();
}

/// Runs `request` between the two machines in memory, the server's bytes
/// delivered `chunk` at a time; gives the client's events and what the
/// server received.
fn converse(request: &Request, body: Body, chunk: usize) -> (Vec<Event>, Vec<u8>) {
    let mut client = Client::new();
    let mut server = Server::new();
    client.get(request, body).unwrap();
    let sent = client.outbox().take_vec();
    assert!(!client.may_send(), "the client half-closes");
    server.receive(&sent);
    server.receive_eof();
    let Ok(Next::Event(ServerEvent::Request(got))) = server.poll_event() else {
        panic!("no request")
    };
    assert_eq!(&got, request);
    answer(&mut server, &got);
    assert!(server.is_closed(), "the server is done after one answer");
    let answer = server.outbox().take_vec();
    for piece in answer.chunks(chunk.max(1)) {
        client.receive(piece);
    }
    client.receive_eof();
    let mut events = Vec::new();
    loop {
        match client.poll_event().unwrap() {
            Next::Event(Event::End) => break,
            Next::Event(e) => events.push(e),
            other => panic!("{other:?}"),
        }
    }
    assert!(client.is_closed());
    (events, sent)
}

fn data(events: &[Event]) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Data(d) => Some(&d[..]),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}

fn items(events: &[Event]) -> Vec<Item> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Item(i) => Some(i.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn menu_text_binary_and_search_in_memory() {
    for chunk in [1, 3, 1000] {
        let (events, sent) = converse(&Request::new(""), Body::Menu, chunk);
        assert_eq!(sent, b"\r\n");
        let menu = items(&events);
        assert_eq!(menu.len(), 4);
        assert_eq!(menu[0].kind, ItemType::Info);
        assert_eq!(
            &menu[0].display[..],
            "Welcome \u{2013} caf\u{e9}".as_bytes()
        );
        assert_eq!(
            (menu[1].kind, &menu[1].selector[..]),
            (ItemType::Text, &b"/about"[..])
        );
        assert_eq!(&menu[3].display[..], b"pic \xff");
        assert_eq!(menu[3].plus.as_deref(), Some(&b"+"[..]));

        let (events, _) = converse(&Request::new("/about"), Body::Text, chunk);
        // Line ends normalised, dots unstuffed, the lone `.` line kept.
        assert_eq!(data(&events), b"About\r\n.dot\r\n..two\r\n.\r\nend\r\n");

        let (events, _) = converse(&Request::new("/pic"), Body::Binary, chunk);
        assert_eq!(data(&events), b"GIF89a\r\n.\r\n");

        let (events, sent) = converse(&Request::search("/search", "gopher rfc"), Body::Menu, chunk);
        assert_eq!(sent, b"/search\tgopher rfc\r\n");
        assert_eq!(&items(&events)[0].display[..], b"gopher rfc");
    }
}

#[test]
fn gopher_plus_in_memory() {
    let plus = Request::new("/pic").with_plus(Plus::Item(None));
    let (events, sent) = converse(&plus, Body::Binary, 2);
    assert_eq!(sent, b"/pic\t+\r\n");
    assert_eq!(events[0], Event::Header(DataHeader::new(Length::Bytes(6))));
    assert_eq!(data(&events), b"GIF89a");

    // A menu to a `+` request comes behind `+-1`.
    let (events, _) = converse(&Request::new("").with_plus(Plus::Item(None)), Body::Menu, 5);
    assert_eq!(
        events[0],
        Event::Header(DataHeader::new(Length::DotTerminated))
    );
    assert_eq!(items(&events).len(), 4);

    // Text to a `+` request: `+-1`, stuffed as ever.
    let (events, _) = converse(
        &Request::new("/about").with_plus(Plus::Item(None)),
        Body::Text,
        4,
    );
    assert_eq!(
        events[0],
        Event::Header(DataHeader::new(Length::DotTerminated))
    );
    assert!(data(&events).starts_with(b"About\r\n.dot\r\n"));

    // An error to a `+` request.
    let (events, _) = converse(
        &Request::new("/nope").with_plus(Plus::Item(None)),
        Body::Text,
        1,
    );
    assert_eq!(
        events[0],
        Event::Header(DataHeader::error(Length::DotTerminated))
    );
    assert_eq!(data(&events), b"1 Not found\r\n");
}

/// Runs an operation against the in-memory server.
fn run_op<O: Operation<Client>>(mut op: O) -> O::Output {
    let mut client = Client::new();
    let mut server = Server::new();
    op.start(&mut client).unwrap();
    server.receive(&client.outbox().take_vec());
    let Ok(Next::Event(ServerEvent::Request(request))) = server.poll_event() else {
        panic!()
    };
    answer(&mut server, &request);
    client.receive(&server.outbox().take_vec());
    client.receive_eof();
    loop {
        let event = client.poll_event().unwrap().event().expect("an event");
        match op.on_event(&mut client, event).unwrap() {
            OpStep::Done(out) => return out,
            OpStep::Continue => {}
            OpStep::Pass(e) => panic!("passed {e:?}"),
        }
    }
}

#[test]
fn operations_collect_and_refuse() {
    let attrs = run_op(ops::FetchAttributes::new(
        Request::new("/about").with_plus(Plus::Attributes(None)),
    ))
    .unwrap();
    let names: Vec<&[u8]> = attrs.iter().map(|a| &a.name[..]).collect();
    assert_eq!(names, [&b"INFO"[..], b"ADMIN", b"VIEWS"]);
    assert_eq!(&attrs[0].info().unwrap().selector[..], b"/about");
    assert_eq!(attrs[2].views().next().unwrap().mime, b"text/plain");

    let refused = run_op(ops::Fetch::new(
        Request::new("/nope").with_plus(Plus::Item(None)),
        Body::Text,
    ));
    assert_eq!(
        refused,
        Err(Refusal {
            code: Some(1),
            message: Bytes::from_static(b"Not found")
        })
    );
    // Without Gopher+, "not found" is a type-3 item in a menu.
    let menu = run_op(ops::FetchMenu::new(Request::new("/nope"))).unwrap();
    assert_eq!(menu[0].kind, ItemType::Error);
    assert_eq!(
        run_op(ops::Fetch::new(Request::new("/pic"), Body::Binary)).unwrap(),
        b"GIF89a\r\n.\r\n"
    );
}

#[test]
fn silent_peers_time_out_on_the_virtual_clock() {
    let t0 = Instant::from_micros(0);
    let mut server = Server::new();
    server.set_now(t0);
    assert_eq!(server.poll_event(), Ok(Next::NeedInput));
    assert_eq!(server.poll_timeout(), Some(t0 + SERVER_TIMEOUT));
    server.receive(b"/half a requ");
    server.set_now(t0 + SERVER_TIMEOUT / 2);
    assert_eq!(server.poll_event(), Ok(Next::NeedInput));
    // Bytes arrived: the wait starts again.
    server.handle_timeout(t0 + SERVER_TIMEOUT);
    assert!(server.poll_event().is_ok());
    server.handle_timeout(t0 + SERVER_TIMEOUT * 2);
    let e = server.poll_event().unwrap_err();
    assert_eq!(e.common(), Some(CommonError::TimedOut));
    assert!(server.is_closed());

    let mut client = Client::new();
    client.set_now(t0);
    client.get(&Request::new("/slow"), Body::Text).unwrap();
    client.outbox().take_vec();
    assert_eq!(client.poll_event(), Ok(Next::NeedInput));
    client.handle_timeout(t0 + CLIENT_TIMEOUT);
    assert_eq!(client.poll_event().unwrap_err().kind(), ErrorKind::TimedOut);
}

#[test]
fn half_close_can_be_turned_off() {
    let mut client = Client::new();
    client.set_half_close(false);
    client.get(&Request::new("/"), Body::Binary).unwrap();
    assert!(client.may_send());
    assert!(!client.conn().wants_shutdown());
    client.outbox().take_vec();
    client.receive(b"x");
    client.receive_eof();
    assert!(matches!(
        client.poll_event(),
        Ok(Next::Event(Event::Data(_)))
    ));
    assert_eq!(client.poll_event(), Ok(Next::Event(Event::End)));
    assert!(client.is_closed());
}

// --- over loopback, every driver ---

/// A server thread answering `connections` connections with the blocking
/// driver.
fn spawn_server(connections: usize) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let mut driver = sanswire::io::Driver::new(stream.unwrap(), Server::new());
            if let Ok(Some(ServerEvent::Request(request))) = driver.next_event() {
                answer(driver.machine(), &request);
            }
            while let Ok(Some(_)) = driver.next_event() {}
        }
    });
    addr
}

#[test]
fn blocking_session_and_byte_stream() {
    use std::io::Read;
    let addr = spawn_server(4);
    let menu = sanswire::io::gopher::Client::connect(addr)
        .unwrap()
        .menu(Request::new(""))
        .unwrap();
    assert_eq!(menu.len(), 4);
    let text = sanswire::io::gopher::Client::connect(addr)
        .unwrap()
        .text(Request::new("/about"))
        .unwrap();
    assert!(text.starts_with(b"About\r\n.dot\r\n"));
    let refused = sanswire::io::gopher::Client::connect(addr)
        .unwrap()
        .text(Request::new("/x").with_plus(Plus::Item(None)));
    assert!(matches!(refused, Err(sanswire::io::DriveError::Refused(r)) if r.code == Some(1)));
    // The answer as `Read`.
    let mut machine = Client::new();
    machine.get(&Request::new("/pic"), Body::Binary).unwrap();
    let mut stream = sanswire::io::ByteStream::new(TcpStream::connect(addr).unwrap(), machine);
    let mut gif = Vec::new();
    stream.read_to_end(&mut gif).unwrap();
    assert_eq!(gif, b"GIF89a\r\n.\r\n");
}

#[tokio::test]
async fn tokio_session() {
    let addr = spawn_server(3);
    // The answer as an async byte stream: the request goes out, the
    // sending side is shut down (half-close), the text streams in.
    let mut machine = Client::new();
    machine.get(&Request::new("/about"), Body::Text).unwrap();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut stream = sanswire::io::tokio::ByteStream::new(tcp, machine);
    let mut text = Vec::new();
    while let Some(chunk) = stream.next_chunk().await.unwrap() {
        text.extend_from_slice(&chunk);
    }
    assert_eq!(text, b"About\r\n.dot\r\n..two\r\n.\r\nend\r\n");

    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut client = sanswire::io::tokio::gopher::Client::new(tcp).await.unwrap();
    let menu = client.menu(Request::new("")).await.unwrap();
    assert_eq!(&menu[1].selector[..], b"/about");
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut client = sanswire::io::tokio::gopher::Client::new(tcp).await.unwrap();
    let gif = client
        .fetch(
            Request::new("/pic").with_plus(Plus::Item(None)),
            Body::Binary,
        )
        .await
        .unwrap();
    assert_eq!(gif, b"GIF89a");
}

#[test]
fn futures_io_session() {
    use async_io::Async;
    use futures_lite::future;
    let addr = spawn_server(1);
    future::block_on(async {
        let tcp = Async::<TcpStream>::connect(addr).await.unwrap();
        let mut client = sanswire::io::futures::gopher::Client::new(tcp)
            .await
            .unwrap();
        let found = client
            .menu(Request::search("/search", "rust"))
            .await
            .unwrap();
        assert_eq!(&found[0].display[..], b"rust");
    });
}
