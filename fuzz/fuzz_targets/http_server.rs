#![no_main]
//! The HTTP server machine on arbitrary bytes in arbitrary chunks: never a
//! panic, never a loop, and the same events and answers whatever the
//! chunking.

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sanswire::http::{Event, Response, Server};

fn drive(input: &[u8], chunk: usize) -> (Vec<String>, Vec<u8>) {
    let (events, sent) = sanswire_fuzz::run(
        Server::new(),
        input,
        chunk,
        |server, event| {
            // Answer each request once its body is in, so pipelined
            // requests behind it are read too.
            if matches!(event, Event::End) {
                let _ =
                    server.send_response(&Response::new(200).with_header("Content-Length", "2"));
                let _ = server.send_data(Bytes::from_static(b"ok"));
                let _ = server.send_end(None);
            }
        },
        |_| false,
    );
    (sanswire_fuzz::coalesce(events, "Data(b\""), sent)
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = drive(input, input.len().max(1));
    let pieces = drive(input, chunk);
    assert_eq!(whole, pieces);
});
