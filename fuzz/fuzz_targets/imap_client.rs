#![no_main]
//! The IMAP client machine on arbitrary server bytes in arbitrary chunks,
//! with commands in flight (a LOGIN with a synchronising literal, SELECT,
//! FETCH, SEARCH, IDLE behind them): never a panic, never a loop, the
//! same events and the same bytes sent whatever the chunking.

use libfuzzer_sys::fuzz_target;
use sanswire::imap::{Client, Command, FetchAttr, Limits, Mailbox, SearchKey, SeqSet};

fn client() -> Client {
    let mut c = Client::with_limits(Limits {
        max_line: 4096,
        max_literal: 1 << 16,
        ..Limits::default()
    });
    let _ = c.login("alice", "pass\r\nword");
    let _ = c.send(Command::Select {
        mailbox: Mailbox::new("Entwürfe"),
        condstore: true,
        qresync: None,
    });
    let _ = c.send(Command::Fetch {
        uid: true,
        set: SeqSet::all(),
        items: vec![FetchAttr::Envelope, FetchAttr::BodyStructure, FetchAttr::Flags],
        changed_since: None,
        vanished: false,
    });
    let _ = c.send(Command::Search {
        uid: false,
        returns: None,
        charset: None,
        keys: vec![SearchKey::All],
    });
    let _ = c.idle();
    c
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = sanswire_fuzz::run(client(), input, input.len().max(1), |_, _| {}, |_| false);
    let pieces = sanswire_fuzz::run(client(), input, chunk, |_, _| {}, |_| false);
    assert_eq!(whole, pieces);
});
