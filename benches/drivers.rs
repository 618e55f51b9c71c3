//! The same keep-alive HTTP GETs over loopback through the blocking driver
//! and the tokio driver, in one run, against one sanswire server.
//!
//! The ratio worth reading: `tokio` over `blocking` (goal: the tokio driver
//! at 0.9x of the blocking one or better). Both typed clients run the same
//! `http::ops::Fetch`; only the byte moving differs.

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use sanswire::http::{self, Request, Response};
use sanswire::io::Driver;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

const BODY: &[u8] = b"hello, world\n";

/// A sanswire server on its own threads: each connection answers every
/// request with `BODY`.
fn server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            std::thread::spawn(move || serve(tcp));
        }
    });
    addr
}

fn serve(tcp: TcpStream) {
    tcp.set_nodelay(true).unwrap();
    let mut conn = Driver::new(tcp, http::Server::new());
    let head = Response::new(200).with_header("Content-Length", BODY.len().to_string());
    while let Ok(Some(event)) = conn.next_event() {
        match event {
            http::Event::End => {
                let server = conn.machine();
                server.send_response(&head).unwrap();
                server.send_data(Bytes::from_static(BODY)).unwrap();
                server.send_end(None).unwrap();
            }
            http::Event::Closed => break,
            _ => {}
        }
    }
}

fn request() -> Request {
    Request::get("/hello").with_header("Host", "localhost")
}

fn drivers(c: &mut Criterion) {
    let addr = server();
    let req = request();
    let mut group = c.benchmark_group("keep-alive GET");
    group.measurement_time(Duration::from_secs(3));

    let mut blocking = sanswire::io::http::Client::connect(addr).unwrap();
    group.bench_function("blocking", |b| {
        b.iter(|| {
            let (response, body) = blocking.fetch(&req, None).unwrap();
            assert_eq!((response.status(), body.len()), (200, BODY.len()));
        })
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let mut client = rt.block_on(async {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        sanswire::io::tokio::http::Client::new(tcp)
    });
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let (response, body) = client.fetch(&req, None).await.unwrap();
                    assert_eq!((response.status(), body.len()), (200, BODY.len()));
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, drivers);
criterion_main!(benches);
