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

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = sanswire_fuzz::run(client(), input, input.len().max(1), |_, _| {}, |_| false);
    let pieces = sanswire_fuzz::run(client(), input, chunk, |_, _| {}, |_| false);
    assert_eq!(whole, pieces);
});
