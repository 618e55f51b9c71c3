#![no_main]
//! The HTTP client machine on arbitrary response bytes in arbitrary chunks,
//! with a few pipelined requests in flight (one a HEAD, so bodiless
//! responses are exercised): never a panic, same events whatever the
//! chunking.

use libfuzzer_sys::fuzz_target;
use sanswire::http::{Client, Request};

fn client() -> Client {
    let mut client = Client::new();
    for (method, target) in [("GET", "/a"), ("HEAD", "/b"), ("GET", "/c")] {
        client.send_request(&Request::new(method, target)).unwrap();
        client.send_end(None).unwrap();
    }
    client
}

fn drive(input: &[u8], chunk: usize) -> (Vec<String>, Vec<u8>) {
    let (events, sent) = sanswire_fuzz::run(client(), input, chunk, |_, _| {}, |_| false);
    (sanswire_fuzz::coalesce(events, "Data(b\""), sent)
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    assert_eq!(drive(input, input.len().max(1)), drive(input, chunk));
});
