//! Properties: any chunking of a stream gives the same events, and what
//! one machine encodes the other parses back to the same heads and bodies.

use bytes::Bytes;
use proptest::prelude::*;
use sanswire::http::{Client, Event, Headers, Request, Response, Server};
use sanswire::wire::{Machine, Next};

#[derive(Debug, Clone)]
enum Body {
    None,
    Fixed(Vec<u8>),
    Chunked(Vec<Vec<u8>>, Vec<(String, String)>),
}

#[derive(Debug, Clone)]
struct Message {
    method_or_status: usize,
    target: String,
    fields: Vec<(String, String)>,
    body: Body,
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

/// Field names that say nothing about framing or the connection.
fn field_name() -> impl Strategy<Value = String> {
    token().prop_map(|t| format!("X-{t}"))
}

/// Field values: visible ASCII and spaces, none at either end (a parser
/// drops those).
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof!["", "[!-~]", "[!-~][ !-~\t]{0,30}[!-~]"]
}

fn fields() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((field_name(), field_value()), 0..8)
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::None),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Body::Fixed),
        (
            prop::collection::vec(prop::collection::vec(any::<u8>(), 0..80), 0..5),
            fields()
        )
            .prop_map(|(chunks, trailers)| Body::Chunked(chunks, trailers)),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    (0usize..6, "/[!-~]{0,40}", fields(), body()).prop_map(
        |(method_or_status, target, fields, body)| Message {
            method_or_status,
            target,
            fields,
            body,
        },
    )
}

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "DELETE", "PATCH", "X-CUSTOM"];
const STATUSES: [u16; 6] = [200, 201, 404, 500, 204, 304];

fn headers_of(fields: &[(String, String)]) -> Headers {
    let mut h = Headers::new();
    for (n, v) in fields {
        h.push(n.clone(), v.clone());
    }
    h
}

fn body_bytes(body: &Body) -> Vec<u8> {
    match body {
        Body::None => Vec::new(),
        Body::Fixed(b) => b.clone(),
        Body::Chunked(chunks, _) => chunks.concat(),
    }
}

/// The request a message describes, with the framing field its body needs.
fn request_of(m: &Message) -> Request {
    let mut req = Request::new(METHODS[m.method_or_status], m.target.clone())
        .with_header("Host", "example.org");
    for (n, v) in &m.fields {
        req.headers_mut().push(n.clone(), v.clone());
    }
    match &m.body {
        Body::None => {}
        Body::Fixed(b) => req
            .headers_mut()
            .push("Content-Length", b.len().to_string()),
        Body::Chunked(..) => req.headers_mut().push("Transfer-Encoding", "chunked"),
    }
    req
}

/// The body-sending half of either machine.
trait BodySink {
    fn data(&mut self, chunk: Bytes);
    fn end(&mut self, trailers: Option<&Headers>);
}

impl BodySink for Client {
    fn data(&mut self, chunk: Bytes) {
        self.send_data(chunk).unwrap();
    }
    fn end(&mut self, trailers: Option<&Headers>) {
        self.send_end(trailers).unwrap();
    }
}

impl BodySink for Server {
    fn data(&mut self, chunk: Bytes) {
        self.send_data(chunk).unwrap();
    }
    fn end(&mut self, trailers: Option<&Headers>) {
        self.send_end(trailers).unwrap();
    }
}

/// Sends a body through `send_data`/`send_end`.
fn send_body(body: &Body, sink: &mut impl BodySink) {
    match body {
        Body::None => sink.end(None),
        Body::Fixed(b) => {
            for piece in b.chunks(64) {
                sink.data(Bytes::copy_from_slice(piece));
            }
            sink.end(None);
        }
        Body::Chunked(chunks, trailers) => {
            for c in chunks {
                sink.data(Bytes::copy_from_slice(c));
            }
            sink.end(Some(&headers_of(trailers)));
        }
    }
}

/// The events a message should come out as, Data merged.
fn expected_events(head: Event, body: &Body, has_body: bool) -> Vec<Event> {
    let mut events = vec![head];
    let bytes = body_bytes(body);
    if has_body && !bytes.is_empty() {
        events.push(Event::Data(Bytes::from(bytes)));
    }
    if let (true, Body::Chunked(_, trailers)) = (has_body, body) {
        if !trailers.is_empty() {
            events.push(Event::Trailers(headers_of(trailers)));
        }
    }
    events.push(Event::End);
    events
}

/// Adjacent Data events joined: how they are cut depends on the reads.
fn merge_data(events: Vec<Event>) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for e in events {
        match (out.last_mut(), e) {
            (Some(Event::Data(prev)), Event::Data(d)) => {
                let mut joined = prev.to_vec();
                joined.extend_from_slice(&d);
                *prev = Bytes::from(joined);
            }
            (_, e) => out.push(e),
        }
    }
    out
}

/// Feeds `stream` to the server in pieces of the given sizes (cycled),
/// answering each request with a 204 once its End is out.
fn server_events(stream: &[u8], sizes: &[usize]) -> Vec<Event> {
    let mut server = Server::new();
    let mut events = Vec::new();
    let mut at = 0;
    let mut sizes = sizes.iter().cycle();
    loop {
        match server.poll_event().unwrap() {
            Next::Event(e) => events.push(e),
            Next::Paused => {
                server.send_response(&Response::new(204)).unwrap();
                server.outbox().take_vec();
            }
            Next::NeedInput if at < stream.len() => {
                let n = (*sizes.next().unwrap()).min(stream.len() - at);
                server.receive(&stream[at..at + n]);
                at += n;
            }
            Next::NeedInput => return merge_data(events),
        }
    }
}

/// Feeds `stream` to a client that sent `requests`, in pieces of the given
/// sizes (cycled).
fn client_events(requests: &[Request], stream: &[u8], sizes: &[usize]) -> Vec<Event> {
    let mut client = Client::new();
    for r in requests {
        client.send_request(r).unwrap();
    }
    let mut events = Vec::new();
    let mut at = 0;
    let mut sizes = sizes.iter().cycle();
    loop {
        match client.poll_event().unwrap() {
            Next::Event(e) => events.push(e),
            Next::NeedInput if at < stream.len() => {
                let n = (*sizes.next().unwrap()).min(stream.len() - at);
                client.receive(&stream[at..at + n]);
                at += n;
            }
            Next::NeedInput | Next::Paused => return merge_data(events),
        }
    }
}

fn sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..64, 1..10)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn requests_roundtrip_whatever_the_chunking(
        messages in prop::collection::vec(message(), 1..5),
        sizes in sizes(),
    ) {
        let mut client = Client::new();
        let mut expected = Vec::new();
        for m in &messages {
            let req = request_of(m);
            client.send_request(&req).unwrap();
            send_body(&m.body, &mut client);
            expected.extend(expected_events(Event::Request(req), &m.body, true));
        }
        let stream = client.outbox().take_vec();
        let whole = server_events(&stream, &[stream.len()]);
        prop_assert_eq!(&whole, &expected);
        prop_assert_eq!(server_events(&stream, &sizes), whole.clone());
        prop_assert_eq!(server_events(&stream, &[1]), whole);
    }

    #[test]
    fn responses_roundtrip_whatever_the_chunking(
        messages in prop::collection::vec((message(), any::<bool>(), any::<bool>()), 1..5),
        sizes in sizes(),
    ) {
        let mut client_side = Client::new();
        let mut server = Server::new();
        let mut requests = Vec::new();
        let mut expected = Vec::new();
        for (m, head_method, auto_framing) in &messages {
            let method = if *head_method { "HEAD" } else { "GET" };
            let req = Request::new(method, "/").with_header("Host", "example.org");
            client_side.send_request(&req).unwrap();
            server.receive(&client_side.outbox().take_vec());
            while let Next::Event(_) = server.poll_event().unwrap() {}
            requests.push(req);

            let status = STATUSES[m.method_or_status];
            let bodiless_status = status == 204 || status == 304;
            let has_body = !*head_method && !bodiless_status;
            let body = if bodiless_status { Body::None } else { m.body.clone() };
            let mut resp = Response::new(status);
            for (n, v) in &m.fields {
                resp.headers_mut().push(n.clone(), v.clone());
            }
            match &body {
                Body::None => {}
                Body::Fixed(b) => resp.headers_mut().push("Content-Length", b.len().to_string()),
                Body::Chunked(..) if *auto_framing && has_body => {}
                Body::Chunked(..) => resp.headers_mut().push("Transfer-Encoding", "chunked"),
            }
            server.send_response(&resp).unwrap();
            if has_body {
                send_body(&body, &mut server);
            } else {
                server.send_end(None).unwrap();
            }
            let seen = match &body {
                // With no framing field the server chunks by itself.
                Body::None if has_body => resp.clone().with_header("Transfer-Encoding", "chunked"),
                Body::Chunked(..) if *auto_framing && has_body => resp.clone().with_header("Transfer-Encoding", "chunked"),
                _ => resp.clone(),
            };
            let seen = seen.with_reason(sanswire::http::canonical_reason(status).unwrap());
            let body = if has_body { body } else { Body::None };
            expected.extend(expected_events(Event::Response(seen), &body, has_body));
        }
        let stream = server.outbox().take_vec();
        let whole = client_events(&requests, &stream, &[stream.len()]);
        prop_assert_eq!(&whole, &expected);
        prop_assert_eq!(client_events(&requests, &stream, &sizes), whole.clone());
        prop_assert_eq!(client_events(&requests, &stream, &[1]), whole);
    }
}

/// Feeds arbitrary bytes; answers whatever request comes. Must never
/// panic, and the outcome must not depend on the chunking.
fn server_outcome(
    stream: &[u8],
    sizes: &[usize],
) -> (Vec<Event>, Option<sanswire::http::ErrorKind>) {
    let mut server = Server::new();
    let mut events = Vec::new();
    let mut at = 0;
    let mut sizes = sizes.iter().cycle();
    loop {
        match server.poll_event() {
            Ok(Next::Event(e)) => events.push(e),
            Ok(Next::Paused) if server.is_closed() => return (merge_data(events), None),
            Ok(Next::Paused) => {
                if server.send_response(&Response::new(204)).is_err() {
                    return (merge_data(events), None);
                }
            }
            Ok(Next::NeedInput) if at < stream.len() => {
                let n = (*sizes.next().unwrap()).min(stream.len() - at);
                server.receive(&stream[at..at + n]);
                at += n;
            }
            Ok(Next::NeedInput) => return (merge_data(events), None),
            Err(e) => {
                assert_eq!(server.poll_event().unwrap_err(), e, "sticky");
                return (merge_data(events), Some(e.kind()));
            }
        }
    }
}

proptest! {
    #[test]
    fn garbage_never_panics_and_chunking_does_not_matter(
        prefix in prop::sample::select(vec![
            &b""[..],
            b"GET / HTTP/1.1\r\nHost: a\r\n",
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n",
        ]),
        garbage in prop::collection::vec(
            prop_oneof![any::<u8>(), prop::sample::select(b"\r\n :;0123456789abcdefHTP/.".to_vec())],
            0..200,
        ),
        sizes in sizes(),
    ) {
        let mut stream = prefix.to_vec();
        stream.extend_from_slice(&garbage);
        let whole = server_outcome(&stream, &[stream.len().max(1)]);
        prop_assert_eq!(server_outcome(&stream, &sizes), whole.clone());
        prop_assert_eq!(server_outcome(&stream, &[1]), whole);

        let mut client = Client::new();
        client.send_request(&Request::get("/").with_header("Host", "a")).unwrap();
        let mut response = b"HTTP/1.1 200 OK\r\n".to_vec();
        response.extend_from_slice(&garbage);
        client.receive(&response);
        client.receive_eof();
        for _ in 0..1000 {
            match client.poll_event() {
                Ok(Next::Event(_)) => {}
                _ => break,
            }
        }
    }
}

/// A field line as a peer may send it: optional whitespace around the
/// value, which a parser drops.
fn raw_field() -> impl Strategy<Value = (String, String, String, String)> {
    (field_name(), "[ \t]{0,2}", field_value(), "[ \t]{0,2}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The fields a received head is read back as are httparse's, values
    /// without the whitespace around them, however they were spaced.
    #[test]
    fn received_fields_are_httparses(fields in prop::collection::vec(raw_field(), 0..40)) {
        let mut head = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
        for (name, before, value, after) in &fields {
            head.extend_from_slice(format!("{name}:{before}{value}{after}\r\n").as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        let mut slots = vec![httparse::EMPTY_HEADER; fields.len() + 1];
        let mut req = httparse::Request::new(&mut slots);
        prop_assert!(req.parse(&head).unwrap().is_complete());
        let trim = |v: &[u8]| {
            let v = v.trim_ascii_start();
            v[..v.len() - v.iter().rev().take_while(|&&b| b == b' ' || b == b'\t').count()].to_vec()
        };
        let expected: Vec<(Vec<u8>, Vec<u8>)> = req
            .headers
            .iter()
            .map(|f| (f.name.as_bytes().to_vec(), trim(f.value)))
            .collect();
        let mut server = Server::new();
        server.receive(&head);
        let Next::Event(Event::Request(r)) = server.poll_event().unwrap() else {
            panic!("no request");
        };
        let got: Vec<(Vec<u8>, Vec<u8>)> =
            r.headers().iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
        prop_assert_eq!(&got, &expected);
        prop_assert_eq!(r.headers().len(), expected.len());
        for (name, value) in &expected {
            let name = std::str::from_utf8(name).unwrap();
            prop_assert!(r.headers().get_all(name).any(|v| v == &value[..]));
        }
    }
}
