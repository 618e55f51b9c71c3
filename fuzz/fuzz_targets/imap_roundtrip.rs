#![no_main]
//! Encode then parse gives the value back: any response or command the
//! parsers accept from arbitrary (framed) bytes, encoded by our encoders,
//! parses back to the same value.

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sanswire::imap::{Command, Data, Framed, Framer, Limits, Response};
use sanswire::wire::Inbox;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let mut inbox = Inbox::new();
    inbox.extend_from_slice(data);
    let mut framer = Framer::new();
    while let Ok(Some(f)) = framer.next(&mut inbox, &limits) {
        let Framed::Message(msg) = f else { continue };
        if let Ok(r) = Response::parse(&msg, &limits) {
            if matches!(r, Response::Data(Data::Other(_))) {
                continue;
            }
            if let Ok(wire) = r.encode() {
                let back = Response::parse(&Bytes::from(wire.clone()), &limits)
                    .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&wire)));
                assert_eq!(back, r, "{:?}", String::from_utf8_lossy(&wire));
            }
        }
        if let Ok((tag, cmd)) = Command::parse(&msg, &limits) {
            if let Ok(wire) = cmd.encode(&tag) {
                let (tag2, back) = Command::parse(&Bytes::from(wire.clone()), &limits)
                    .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&wire)));
                assert_eq!((tag2, back), (tag, cmd), "{:?}", String::from_utf8_lossy(&wire));
            }
        }
    }
});
