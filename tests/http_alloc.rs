//! A warm Server allocates (next to) nothing per request: heads are framed
//! in place, parsed into spans of the receive buffer, and answered into a
//! reused outbox.

use bytes::Bytes;
use sanswire::http::{Event, Response, Server};
use sanswire::wire::{Machine, Next};
mod counting_alloc;
use counting_alloc::{allocations, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A typical browser-ish request with 8 header fields.
fn request(i: usize) -> Vec<u8> {
    format!(
        "GET /articles/{i}?page=2 HTTP/1.1\r\n\
         Host: example.org\r\n\
         User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
         Accept: text/html,application/xhtml+xml\r\n\
         Accept-Language: en-US,en;q=0.5\r\n\
         Accept-Encoding: gzip, deflate, br\r\n\
         Connection: keep-alive\r\n\
         Cookie: session=abcdef0123456789\r\n\
         Cache-Control: max-age=0\r\n\r\n"
    )
    .into_bytes()
}

/// Feeds `stream` in 4 KiB reads and answers every request; returns how
/// many requests were served.
fn serve(server: &mut Server, stream: &[u8]) -> usize {
    let mut reads = stream.chunks(4096);
    let mut served = 0;
    let response = Response::new(200).with_header("Content-Length", "2");
    loop {
        match server.poll_event().expect("valid stream") {
            Next::Event(Event::Request(req)) => {
                assert_eq!(req.headers().len(), 8);
            }
            Next::Event(Event::End) => {}
            Next::Event(other) => panic!("unexpected {other:?}"),
            Next::Paused => {
                server.send_response(&response).unwrap();
                server.send_data(Bytes::from_static(b"ok")).unwrap();
                server.send_end(None).unwrap();
                let outbox = server.outbox();
                let n = outbox.len();
                outbox.advance(n);
                served += 1;
            }
            Next::NeedInput => match reads.next() {
                Some(read) => {
                    let inbox = server.inbox();
                    inbox.spare(read.len())[..read.len()].copy_from_slice(read);
                    inbox.commit(read.len());
                }
                None => return served,
            },
        }
    }
}

#[test]
fn a_warm_server_does_not_allocate_per_request() {
    let warm: Vec<u8> = (0..10).flat_map(request).collect();
    let pipelined: Vec<u8> = (0..1000).flat_map(request).collect();
    let mut server = Server::new();
    assert_eq!(serve(&mut server, &warm), 10);

    let before = allocations();
    let served = serve(&mut server, &pipelined);
    let allocations = allocations() - before;

    assert_eq!(served, 1000);
    println!("allocations over 1000 pipelined requests: {allocations}");
    assert!(
        allocations <= 10,
        "{allocations} allocations for 1000 requests"
    );
}
