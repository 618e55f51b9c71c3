//! HTTP/1.1 machines against raw httparse on the same bytes, in one run.
//!
//! Ratios worth reading: `server/request` over `httparse/request` (goal:
//! the machine at 0.8x of raw httparse or better, i.e. at most 1.25x the
//! time), and the same for responses and the 1,000-request pipeline, all
//! on a 523-byte browser GET with 13 fields. `benches/ratios.rs` prints
//! the request rows as ratios from one process.

mod common;
use bytes::Bytes;
use common::line_ends;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sanswire::http::{Client, Event, Request, Response, Server};
use sanswire::wire::{Machine, Next};
use std::hint::black_box;

/// A browser's GET: 523 bytes, 13 header fields.
const REQUEST: &[u8] = common::BROWSER_GET;

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\n\
Date: Wed, 25 Nov 2026 12:00:00 GMT\r\n\
Server: nginx/1.22.1\r\n\
Content-Type: application/javascript\r\n\
Content-Length: 0\r\n\
Last-Modified: Mon, 23 Nov 2026 08:00:00 GMT\r\n\
Connection: keep-alive\r\n\
ETag: \"655f1c00-0\"\r\n\
Accept-Ranges: bytes\r\n\r\n";

fn httparse_request(buf: &[u8]) -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => {
            black_box((req.method, req.path, req.headers.len()));
            n
        }
        _ => panic!("bad request"),
    }
}

/// One request through the server: head, end, a minimal answer.
fn serve_one(server: &mut Server, reply: &Response) {
    loop {
        match server.poll_event().unwrap() {
            Next::Event(Event::Request(r)) => {
                black_box(r.headers().len());
            }
            Next::Event(Event::End) => {
                server.send_response(reply).unwrap();
                server.send_end(None).unwrap();
                let out = server.outbox();
                let n = out.len();
                out.advance(n);
                return;
            }
            Next::Event(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn heads(c: &mut Criterion) {
    let mut group = c.benchmark_group("request");
    group.throughput(Throughput::Elements(1));
    group.bench_function("httparse", |b| {
        b.iter(|| httparse_request(black_box(REQUEST)))
    });
    let reply = Response::new(204);
    let mut server = Server::new();
    group.bench_function("server", |b| {
        b.iter(|| {
            server.receive(black_box(REQUEST));
            serve_one(&mut server, &reply);
        })
    });
    group.finish();

    let mut group = c.benchmark_group("response");
    group.throughput(Throughput::Elements(1));
    group.bench_function("httparse", |b| {
        b.iter(|| {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut resp = httparse::Response::new(&mut headers);
            black_box(resp.parse(black_box(RESPONSE)).unwrap());
        })
    });
    let mut client = Client::new();
    let get = Request::get("/static/app.js").with_header("Host", "www.example.org");
    group.bench_function("client", |b| {
        b.iter(|| {
            client.send_request(&get).unwrap();
            client.send_end(None).unwrap();
            let n = client.outbox().len();
            client.outbox().advance(n);
            client.receive(black_box(RESPONSE));
            loop {
                match client.poll_event().unwrap() {
                    Next::Event(Event::End) => break,
                    Next::Event(e) => {
                        black_box(e);
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
        })
    });
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    let stream: Vec<u8> = REQUEST.repeat(1000);
    let mut group = c.benchmark_group("pipeline_1000");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("httparse", |b| {
        b.iter(|| {
            let mut at = 0;
            while at < stream.len() {
                at += httparse_request(&stream[at..]);
            }
        })
    });
    let reply = Response::new(204);
    let mut server = Server::new();
    group.bench_function("server", |b| {
        b.iter(|| {
            server.receive(black_box(&stream));
            for _ in 0..1000 {
                serve_one(&mut server, &reply);
            }
        })
    });
    group.finish();
}

fn chunked(c: &mut Criterion) {
    let chunk = vec![b'x'; 16 * 1024];
    let mut body = Vec::new();
    for _ in 0..64 {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(&chunk);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let mut wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    wire.extend_from_slice(&body);
    let wire = Bytes::from(wire);
    let mut group = c.benchmark_group("chunked_decode_1MiB");
    group.throughput(Throughput::Bytes(64 * chunk.len() as u64));
    group.bench_function("memchr_scan", |b| {
        b.iter(|| black_box(line_ends(black_box(&wire))))
    });
    group.bench_function("client", |b| {
        b.iter_batched(
            || {
                let mut client = Client::new();
                client.send_request(&Request::get("/")).unwrap();
                client.send_end(None).unwrap();
                client
            },
            |mut client| {
                client.receive(&wire);
                let mut n = 0;
                loop {
                    match client.poll_event().unwrap() {
                        Next::Event(Event::Data(d)) => n += d.len(),
                        Next::Event(Event::End) => break,
                        Next::Event(_) => {}
                        other => panic!("unexpected {other:?}"),
                    }
                }
                assert_eq!(n, 64 * 16 * 1024);
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, heads, pipeline, chunked);
criterion_main!(benches);
