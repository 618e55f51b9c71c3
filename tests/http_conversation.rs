//! Whole conversations between an in-memory Client and Server.

use bytes::Bytes;
use sanswire::http::{Client, ErrorKind, Event, Headers, Request, Response, Server, Version};
use sanswire::wire::{Fault, Machine, Next, Transport};

/// A client and a server joined by two in-memory pipes.
struct Pair {
    client: Client,
    server: Server,
}

impl Pair {
    fn new() -> Self {
        Pair {
            client: Client::new(),
            server: Server::new(),
        }
    }

    /// Moves what the client wrote to the server; returns the bytes.
    fn deliver_to_server(&mut self) -> Vec<u8> {
        let bytes = self.client.outbox().take_vec();
        self.server.receive(&bytes);
        bytes
    }

    /// Moves what the server wrote to the client; returns the bytes.
    fn deliver_to_client(&mut self) -> Vec<u8> {
        let bytes = self.server.outbox().take_vec();
        self.client.receive(&bytes);
        bytes
    }

    fn server_events(&mut self) -> (Vec<Event>, Next<Event>) {
        drain(&mut self.server)
    }

    fn client_events(&mut self) -> (Vec<Event>, Next<Event>) {
        drain(&mut self.client)
    }
}

/// Polls until the machine stops handing out events.
fn drain<M: Machine<Event = Event>>(m: &mut M) -> (Vec<Event>, Next<Event>)
where
    M::Error: std::fmt::Debug,
{
    let mut events = Vec::new();
    loop {
        match m.poll_event().unwrap() {
            Next::Event(e) => events.push(e),
            other => return (events, other),
        }
    }
}

fn host(target: &'static str) -> Request {
    Request::get(target).with_header("Host", "example.org")
}

fn data(s: &'static str) -> Event {
    Event::Data(Bytes::from_static(s.as_bytes()))
}

fn request_of(e: &Event) -> &Request {
    match e {
        Event::Request(r) => r,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn response_of(e: &Event) -> &Response {
    match e {
        Event::Response(r) => r,
        other => panic!("expected a response, got {other:?}"),
    }
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let mut p = Pair::new();
    for i in 0..3 {
        p.client.send_request(&host("/n")).unwrap();
        assert_eq!(
            p.deliver_to_server(),
            b"GET /n HTTP/1.1\r\nHost: example.org\r\n\r\n"
        );
        let (events, next) = p.server_events();
        assert_eq!(events.len(), 2, "request {i}: {events:?}");
        assert_eq!(request_of(&events[0]).target(), b"/n");
        assert_eq!(events[1], Event::End);
        assert_eq!(next, Next::Paused);
        p.server
            .send_response(&Response::new(200).with_header("Content-Length", "2"))
            .unwrap();
        p.server.send_data(Bytes::from_static(b"ok")).unwrap();
        p.server.send_end(None).unwrap();
        assert_eq!(
            p.deliver_to_client(),
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        );
        let (events, next) = p.client_events();
        assert_eq!(response_of(&events[0]).status(), 200);
        assert_eq!(events[1..], [data("ok"), Event::End]);
        assert_eq!(next, Next::NeedInput);
        assert_eq!(p.server.poll_event().unwrap(), Next::NeedInput);
        assert!(!p.server.is_closed() && !p.client.is_closed());
    }
}

#[test]
fn pipelined_requests_are_answered_in_order_with_a_head_in_the_middle() {
    let mut p = Pair::new();
    p.client.send_request(&host("/a")).unwrap();
    p.client
        .send_request(&Request::new("HEAD", "/b").with_header("Host", "example.org"))
        .unwrap();
    p.client.send_request(&host("/c")).unwrap();
    assert_eq!(p.client.in_flight(), 3);
    p.deliver_to_server();

    let mut answers = Vec::new();
    for (target, body) in [("/a", "A"), ("/b", "BBBBB"), ("/c", "CC")] {
        let (events, next) = p.server_events();
        assert_eq!(request_of(&events[0]).target(), target.as_bytes());
        assert_eq!(events[1], Event::End);
        assert_eq!(events.len(), 2);
        assert_eq!(
            next,
            Next::Paused,
            "the next request waits for this response"
        );
        let len = body.len().to_string();
        p.server
            .send_response(&Response::new(200).with_header("Content-Length", len))
            .unwrap();
        if target != "/b" {
            p.server
                .send_data(Bytes::from_static(body.as_bytes()))
                .unwrap();
        } else {
            assert_eq!(
                p.server
                    .send_data(Bytes::from_static(b"x"))
                    .unwrap_err()
                    .kind(),
                ErrorKind::BodyNotAllowed
            );
        }
        p.server.send_end(None).unwrap();
        answers.extend(p.server.outbox().take_vec());
    }
    assert_eq!(p.server.poll_event().unwrap(), Next::NeedInput);
    assert_eq!(
        answers,
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA\
          HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n\
          HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nCC"
    );
    p.client.receive(&answers);
    let (events, _) = p.client_events();
    assert_eq!(events.len(), 8, "{events:?}");
    assert_eq!(events[1..3], [data("A"), Event::End]);
    assert_eq!(
        response_of(&events[3]).headers().get("content-length"),
        Some(&b"5"[..])
    );
    assert_eq!(events[4], Event::End, "no body after HEAD");
    assert_eq!(events[6..], [data("CC"), Event::End]);
    assert_eq!(p.client.in_flight(), 0);
}

#[test]
fn chunked_both_ways_with_trailers() {
    let mut p = Pair::new();
    let req = Request::new("POST", "/up")
        .with_header("Host", "example.org")
        .with_header("Transfer-Encoding", "chunked")
        .with_header("Trailer", "X-Sum");
    p.client.send_request(&req).unwrap();
    p.client.send_data(Bytes::from_static(b"hello ")).unwrap();
    p.client.send_data(Bytes::from_static(b"world")).unwrap();
    let mut trailers = Headers::new();
    trailers.push("X-Sum", "42");
    p.client.send_end(Some(&trailers)).unwrap();
    assert_eq!(
        p.deliver_to_server(),
        b"POST /up HTTP/1.1\r\nHost: example.org\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n\
          6\r\nhello \r\n5\r\nworld\r\n0\r\nX-Sum: 42\r\n\r\n"
    );
    let (events, next) = p.server_events();
    assert_eq!(request_of(&events[0]).method(), b"POST");
    assert_eq!(events[1..3], [data("hello "), data("world")]);
    let Event::Trailers(t) = &events[3] else {
        panic!("{events:?}")
    };
    assert_eq!(t.get("x-sum"), Some(&b"42"[..]));
    assert_eq!(events[4], Event::End);
    assert_eq!(next, Next::Paused);

    // No framing field: the server chunks by itself.
    p.server.send_response(&Response::new(200)).unwrap();
    p.server
        .send_data(Bytes::from_static(b"0123456789abcdef!"))
        .unwrap();
    let mut trailers = Headers::new();
    trailers.push("Server-Timing", "db;dur=5");
    p.server.send_end(Some(&trailers)).unwrap();
    assert_eq!(
        p.deliver_to_client(),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
          11\r\n0123456789abcdef!\r\n0\r\nServer-Timing: db;dur=5\r\n\r\n"
    );
    let (events, _) = p.client_events();
    assert_eq!(events[1], data("0123456789abcdef!"));
    assert!(
        matches!(&events[2], Event::Trailers(t) if t.get("server-timing") == Some(&b"db;dur=5"[..]))
    );
    assert_eq!(events[3], Event::End);
}

#[test]
fn expect_100_continue_then_body() {
    let mut p = Pair::new();
    let req = Request::new("PUT", "/f")
        .with_header("Host", "example.org")
        .with_header("Content-Length", "5")
        .with_header("Expect", "100-continue");
    p.client.send_request(&req).unwrap();
    p.deliver_to_server();
    let (events, next) = p.server_events();
    assert_eq!(events.len(), 1);
    assert_eq!(next, Next::NeedInput, "the body has not come");
    p.server.send_response(&Response::new(100)).unwrap();
    assert_eq!(p.deliver_to_client(), b"HTTP/1.1 100 Continue\r\n\r\n");
    let (events, next) = p.client_events();
    assert_eq!(response_of(&events[0]).status(), 100);
    assert_eq!(events.len(), 1, "no End after a 1xx");
    assert_eq!(next, Next::NeedInput);

    p.client.send_data(Bytes::from_static(b"hello")).unwrap();
    p.client.send_end(None).unwrap();
    p.deliver_to_server();
    let (events, _) = p.server_events();
    assert_eq!(events, [data("hello"), Event::End]);
    p.server
        .send_response(&Response::new(201).with_header("Content-Length", "0"))
        .unwrap();
    p.deliver_to_client();
    let (events, _) = p.client_events();
    assert_eq!(response_of(&events[0]).status(), 201);
    assert_eq!(events[1], Event::End);
    assert!(!p.client.is_closed() && !p.server.is_closed());
}

#[test]
fn expect_100_continue_refused_without_the_body() {
    let mut p = Pair::new();
    let req = Request::new("PUT", "/f")
        .with_header("Host", "example.org")
        .with_header("Content-Length", "100000")
        .with_header("Expect", "100-continue");
    p.client.send_request(&req).unwrap();
    p.deliver_to_server();
    let (events, _) = p.server_events();
    assert_eq!(events.len(), 1);
    p.server
        .send_response(
            &Response::new(417)
                .with_header("Connection", "close")
                .with_header("Content-Length", "0"),
        )
        .unwrap();
    assert!(p.server.is_closed(), "the unread body cannot be skipped");
    assert_eq!(p.server.poll_event().unwrap(), Next::Paused);
    assert_eq!(
        p.deliver_to_client(),
        b"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    let (events, next) = p.client_events();
    assert_eq!(response_of(&events[0]).status(), 417);
    assert_eq!(events[1], Event::End);
    assert_eq!(next, Next::Paused);
    // The body is no longer required.
    p.client.send_end(None).unwrap();
    assert!(p.client.outbox().is_empty());
    assert!(p.client.is_closed());
    assert_eq!(
        p.client.send_request(&host("/")).unwrap_err().kind(),
        ErrorKind::ConnectionClosing
    );
}

#[test]
fn early_response_discards_a_small_unread_body() {
    let mut p = Pair::new();
    let post = Request::new("POST", "/x")
        .with_header("Host", "example.org")
        .with_header("Content-Length", "5");
    p.client.send_request(&post).unwrap();
    p.client.send_data(Bytes::from_static(b"hello")).unwrap();
    p.client.send_end(None).unwrap();
    p.client.send_request(&host("/next")).unwrap();
    let whole = p.client.outbox().take_vec();
    // The head and "hel" arrive; the application answers at once.
    let cut = whole.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4 + 3;
    p.server.receive(&whole[..cut]);
    let (events, _) = p.server_events();
    assert_eq!(request_of(&events[0]).target(), b"/x");
    p.server
        .send_response(&Response::new(403).with_header("Content-Length", "0"))
        .unwrap();
    // The body's tail and the next request arrive.
    p.server.receive(&whole[cut..]);
    let (events, _) = p.server_events();
    assert_eq!(events[0], Event::End, "no Data for a body nobody reads");
    assert_eq!(request_of(&events[1]).target(), b"/next");
    assert!(!p.server.is_closed());
}

#[test]
fn early_response_closes_on_an_unread_chunked_body() {
    let mut p = Pair::new();
    p.server
        .receive(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    let (events, _) = p.server_events();
    assert_eq!(events.len(), 2);
    p.server
        .send_response(&Response::new(413).with_header("Content-Length", "0"))
        .unwrap();
    assert!(p.server.is_closed());
    assert_eq!(p.server.poll_event().unwrap(), Next::Paused);
}

#[test]
fn upgrade_hands_off_with_the_bytes_after_the_head() {
    let mut p = Pair::new();
    let req = host("/chat")
        .with_header("Connection", "Upgrade")
        .with_header("Upgrade", "websocket");
    p.client.send_request(&req).unwrap();
    assert_eq!(
        p.client.send_request(&host("/")).unwrap_err().kind(),
        ErrorKind::OutOfSequence
    );
    p.deliver_to_server();
    p.server.receive(b"\x81\x05early");
    let (events, next) = p.server_events();
    assert!(request_of(&events[0])
        .headers()
        .has_token("connection", "upgrade"));
    assert_eq!(events[1], Event::End);
    assert_eq!(next, Next::Paused);
    p.server
        .send_response(
            &Response::new(101)
                .with_header("Connection", "Upgrade")
                .with_header("Upgrade", "websocket"),
        )
        .unwrap();
    assert_eq!(p.server.transport(), Transport::HandOff);
    assert_eq!(p.server.poll_event().unwrap(), Next::Paused);
    assert_eq!(&p.server.inbox().take_all()[..], b"\x81\x05early");
    let head = p.deliver_to_client();
    assert_eq!(
        head,
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    );
    p.client.receive(b"\x81\x02hi\x00\r\n\r\n");
    let (events, next) = p.client_events();
    assert_eq!(events.len(), 1);
    assert_eq!(response_of(&events[0]).status(), 101);
    assert_eq!(next, Next::Paused);
    assert_eq!(p.client.transport(), Transport::HandOff);
    assert_eq!(&p.client.inbox().take_all()[..], b"\x81\x02hi\x00\r\n\r\n");
}

#[test]
fn connect_opens_a_tunnel() {
    let mut p = Pair::new();
    let req = Request::new("CONNECT", "example.org:443").with_header("Host", "example.org:443");
    p.client.send_request(&req).unwrap();
    p.deliver_to_server();
    p.server.receive(b"\x16\x03\x01TLS");
    let (events, _) = p.server_events();
    assert_eq!(request_of(&events[0]).target(), b"example.org:443");
    p.server.send_response(&Response::new(200)).unwrap();
    assert_eq!(p.server.transport(), Transport::HandOff);
    assert_eq!(
        p.deliver_to_client(),
        b"HTTP/1.1 200 OK\r\n\r\n",
        "no framing added"
    );
    assert_eq!(&p.server.inbox().take_all()[..], b"\x16\x03\x01TLS");
    p.client.receive(b"\x16\x03\x03server");
    let (events, next) = p.client_events();
    assert_eq!(events.len(), 1);
    assert_eq!(next, Next::Paused);
    assert_eq!(p.client.transport(), Transport::HandOff);
    assert_eq!(&p.client.inbox().take_all()[..], b"\x16\x03\x03server");
}

#[test]
fn connect_refused_goes_on_normally() {
    let mut p = Pair::new();
    let req = Request::new("CONNECT", "example.org:443").with_header("Host", "example.org:443");
    p.client.send_request(&req).unwrap();
    p.deliver_to_server();
    p.server_events();
    p.server
        .send_response(&Response::new(403).with_header("Content-Length", "2"))
        .unwrap();
    p.server.send_data(Bytes::from_static(b"no")).unwrap();
    p.server.send_end(None).unwrap();
    p.deliver_to_client();
    let (events, _) = p.client_events();
    assert_eq!(events[1..], [data("no"), Event::End]);
    assert_eq!(p.client.transport(), Transport::Same);
    p.client.send_request(&host("/")).unwrap();
}

#[test]
fn http10_response_is_close_delimited() {
    let mut p = Pair::new();
    p.client
        .send_request(&Request::get("/old").with_version(Version::Http10))
        .unwrap();
    assert_eq!(p.deliver_to_server(), b"GET /old HTTP/1.0\r\n\r\n");
    assert_eq!(
        p.client.send_request(&host("/")).unwrap_err().kind(),
        ErrorKind::ConnectionClosing,
        "HTTP/1.0 without keep-alive closes"
    );
    let (events, _) = p.server_events();
    assert_eq!(request_of(&events[0]).version(), Version::Http10);
    p.server.send_response(&Response::new(200)).unwrap();
    p.server.send_data(Bytes::from_static(b"hello ")).unwrap();
    p.server.send_data(Bytes::from_static(b"there")).unwrap();
    p.server.send_end(None).unwrap();
    assert!(p.server.is_closed());
    assert_eq!(p.deliver_to_client(), b"HTTP/1.1 200 OK\r\n\r\nhello there");
    let (events, next) = p.client_events();
    assert_eq!(events[1], data("hello there"));
    assert_eq!(next, Next::NeedInput, "the body runs until close");
    p.client.receive_eof();
    let (events, next) = p.client_events();
    assert_eq!(events, [Event::End]);
    assert_eq!(next, Next::Paused);
    assert!(p.client.is_closed());
}

#[test]
fn http10_keep_alive_when_both_say_so() {
    let mut p = Pair::new();
    let req = Request::get("/")
        .with_version(Version::Http10)
        .with_header("Connection", "keep-alive");
    p.client.send_request(&req).unwrap();
    p.deliver_to_server();
    p.server_events();
    p.server
        .send_response(
            &Response::new(200)
                .with_version(Version::Http10)
                .with_header("Connection", "keep-alive")
                .with_header("Content-Length", "1"),
        )
        .unwrap();
    p.server.send_data(Bytes::from_static(b"1")).unwrap();
    p.server.send_end(None).unwrap();
    assert!(!p.server.is_closed());
    p.deliver_to_client();
    let (events, _) = p.client_events();
    assert_eq!(events[1..], [data("1"), Event::End]);
    assert!(!p.client.is_closed());
    p.client.send_request(&req).unwrap();
    p.deliver_to_server();
    let (events, _) = p.server_events();
    assert_eq!(events.len(), 2);
}

#[test]
fn connection_close_ends_the_connection_after_the_response() {
    let mut p = Pair::new();
    p.client
        .send_request(&host("/bye").with_header("Connection", "close"))
        .unwrap();
    assert_eq!(
        p.client.send_request(&host("/more")).unwrap_err().kind(),
        ErrorKind::ConnectionClosing
    );
    p.deliver_to_server();
    // Anything after the request is not read.
    p.server
        .receive(b"GET /ignored HTTP/1.1\r\nHost: a\r\n\r\n");
    let (events, _) = p.server_events();
    assert_eq!(events.len(), 2);
    p.server.send_response(&Response::new(204)).unwrap();
    assert!(p.server.is_closed());
    assert_eq!(p.server.poll_event().unwrap(), Next::Paused);
    assert_eq!(
        p.server
            .send_response(&Response::new(200))
            .unwrap_err()
            .kind(),
        ErrorKind::ConnectionClosing
    );
    assert_eq!(p.deliver_to_client(), b"HTTP/1.1 204 No Content\r\n\r\n");
    let (events, next) = p.client_events();
    assert_eq!(events[1], Event::End);
    assert_eq!(next, Next::Paused);
    assert!(p.client.is_closed());
}

#[test]
fn eof_between_messages_is_closed_and_inside_one_is_an_error() {
    let mut server = Server::new();
    server.receive_eof();
    assert_eq!(server.poll_event().unwrap(), Next::Event(Event::Closed));
    assert!(server.is_closed());

    let mut server = Server::new();
    server.receive(b"GET / HTTP/1.1\r\nHost");
    server.receive_eof();
    let err = server.poll_event().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IncompleteMessage);
    assert_eq!(err.fault(), Fault::Remote);
    assert_eq!(server.poll_event().unwrap_err(), err, "errors are sticky");

    let mut client = Client::new();
    client.send_request(&host("/")).unwrap();
    client.receive(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    client.receive_eof();
    let (events, _) = {
        let mut events = Vec::new();
        let err = loop {
            match client.poll_event() {
                Ok(Next::Event(e)) => events.push(e),
                Ok(other) => panic!("{other:?}"),
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), ErrorKind::IncompleteMessage);
        (events, ())
    };
    assert_eq!(events[1], data("abc"));

    let mut client = Client::new();
    client.receive_eof();
    assert_eq!(client.poll_event().unwrap(), Next::Event(Event::Closed));
}

#[test]
fn informational_responses_before_the_final_one() {
    let mut p = Pair::new();
    p.client.send_request(&host("/")).unwrap();
    p.deliver_to_server();
    p.server_events();
    p.server
        .send_response(&Response::new(103).with_header("Link", "</s.css>; rel=preload"))
        .unwrap();
    p.server
        .send_response(&Response::new(200).with_header("Content-Length", "0"))
        .unwrap();
    p.deliver_to_client();
    let (events, _) = p.client_events();
    let statuses: Vec<u16> = events
        .iter()
        .filter_map(|e| match e {
            Event::Response(r) => Some(r.status()),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, [103, 200]);
    assert_eq!(events.last(), Some(&Event::End));
}

#[test]
fn server_answers_a_smuggling_attempt_then_closes() {
    let mut server = Server::new();
    server.receive(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    let err = server.poll_event().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ContentLengthWithTransferEncoding);
    assert_eq!(err.reply_hint(), Some(400));
    assert!(server.is_closed());
    // The machine wrote its own last words, as every machine does; the
    // driver sends them before it reports the error.
    assert_eq!(
        server.outbox().take_vec(),
        b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    assert_eq!(
        server
            .send_response(&Response::new(400))
            .unwrap_err()
            .kind(),
        ErrorKind::ConnectionClosing
    );
}

#[test]
fn local_errors_write_nothing_and_change_nothing() {
    let mut p = Pair::new();
    let bad = host("/").with_header("X-Evil", "a\r\nInjected: yes");
    let err = p.client.send_request(&bad).unwrap_err();
    assert_eq!(
        (err.kind(), err.fault()),
        (ErrorKind::InvalidArgument, Fault::Local)
    );
    assert!(p.client.outbox().is_empty());
    assert_eq!(
        p.client
            .send_request(
                &host("/")
                    .with_header("Content-Length", "1")
                    .with_header("Transfer-Encoding", "chunked")
            )
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidFraming
    );
    assert_eq!(
        p.client
            .send_data(Bytes::from_static(b"x"))
            .unwrap_err()
            .kind(),
        ErrorKind::OutOfSequence
    );
    p.client.send_request(&host("/")).unwrap();
    assert_eq!(
        p.client
            .send_data(Bytes::from_static(b"x"))
            .unwrap_err()
            .kind(),
        ErrorKind::BodyNotAllowed
    );
    p.client.send_end(None).unwrap();
    p.deliver_to_server();
    p.server_events();
    assert_eq!(
        p.server
            .send_response(&Response::new(200).with_reason("OK\r\nSet-Cookie: x"))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        p.server
            .send_response(&Response::new(101))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidStatus,
        "no 101 without Upgrade"
    );
    assert_eq!(
        p.server
            .send_response(&Response::new(204).with_header("Content-Length", "0"))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidFraming
    );
    assert!(p.server.outbox().is_empty());
    p.server
        .send_response(&Response::new(200).with_header("Content-Length", "3"))
        .unwrap();
    assert_eq!(
        p.server
            .send_data(Bytes::from_static(b"four"))
            .unwrap_err()
            .kind(),
        ErrorKind::BodyLengthMismatch
    );
    p.server.send_data(Bytes::from_static(b"ab")).unwrap();
    assert_eq!(
        p.server.send_end(None).unwrap_err().kind(),
        ErrorKind::BodyLengthMismatch
    );
    p.server.send_data(Bytes::from_static(b"c")).unwrap();
    p.server.send_end(None).unwrap();
    assert_eq!(
        p.deliver_to_client(),
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
    );
}

#[test]
fn client_refuses_unsolicited_and_unexpected_switching() {
    let mut client = Client::new();
    client.receive(b"HTTP/1.1 408 Request Timeout\r\n\r\n");
    assert_eq!(
        client.poll_event().unwrap_err().kind(),
        ErrorKind::UnsolicitedResponse
    );
    let mut client = Client::new();
    client.send_request(&host("/")).unwrap();
    client.receive(b"HTTP/1.1 101 Switching Protocols\r\n\r\n");
    assert_eq!(
        client.poll_event().unwrap_err().kind(),
        ErrorKind::UnexpectedSwitchingProtocols
    );
}

#[test]
fn server_skips_empty_lines_before_a_request() {
    let mut server = Server::new();
    server.receive(b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let (events, _) = drain(&mut server);
    assert_eq!(request_of(&events[0]).target(), b"/");
}
