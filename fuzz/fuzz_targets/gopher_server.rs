#![no_main]
//! The server's request-line parser on arbitrary client bytes in arbitrary
//! chunks: never a panic, the same request and answer whatever the
//! chunking, and every request the encoder accepts parses back to itself.

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sanswire::gopher::{ItemType, MenuBuilder, Plus, Request, Server, ServerEvent};

fn answer(server: &mut Server, event: &ServerEvent) {
    let ServerEvent::Request(request) = event;
    let _ = match request.plus {
        Plus::Attributes(_) | Plus::Directory(_) => {
            server.send_attributes(&Bytes::from_static(b"+INFO: 0a\t/a\th\t70\t+\r\n"))
        }
        _ if request.selector.ends_with(b".txt") => server
            .send_text(request.selector.clone())
            .and_then(|_| server.finish()),
        _ => {
            let mut menu = MenuBuilder::new("h", 70);
            let _ = menu.link(ItemType::Text, &request.selector, &request.selector);
            server.send_menu(&menu.finish())
        }
    };
}

fn drive(input: &[u8], chunk: usize) -> (Vec<String>, Vec<u8>) {
    sanswire_fuzz::run(Server::new(), input, chunk, answer, |_| false)
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    assert_eq!(drive(input, input.len().max(1)), drive(input, chunk));

    let line = input.split(|b| *b == b'\n').next().unwrap_or_default();
    if let Ok(request) = Request::parse(Bytes::copy_from_slice(line)) {
        // A query that starts like a Gopher+ string reads as one: the
        // protocol's own ambiguity, not checked.
        let ambiguous = request.plus == Plus::None
            && request
                .search
                .as_ref()
                .is_some_and(|q| matches!(q.first(), Some(b'+' | b'!' | b'$')));
        if let (Ok(encoded), false) = (request.to_line(), ambiguous) {
            let back = Request::parse(Bytes::copy_from_slice(&encoded[..encoded.len() - 2]));
            assert_eq!(back.as_ref(), Ok(&request));
        }
    }
});
