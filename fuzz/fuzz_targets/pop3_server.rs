#![no_main]
//! The POP3 server machine on arbitrary client bytes in arbitrary chunks,
//! answered by a small maildrop of three messages: never a panic, never a
//! loop, and the same events and answers whatever the chunking.

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sanswire::pop3::{top_of, Capability, Response, Server, ServerEvent as Event};

const MESSAGES: [&[u8]; 3] = [
    b"Subject: a\r\n\r\n.dot\r\nbody\r\n",
    b"Subject: b\n\nbare\nlf",
    b"",
];

fn message(n: u32) -> Option<Bytes> {
    let i = usize::try_from(n).ok()?.checked_sub(1)?;
    MESSAGES.get(i).map(|m| Bytes::from_static(m))
}

/// The application: accepts any login, answers everything from MESSAGES.
fn answer(server: &mut Server, event: &Event) {
    let ok = |s: &mut Server| s.reply(&Response::ok("done"));
    let no = |s: &mut Server| s.reply(&Response::err("no such message"));
    let _ = match event {
        Event::Auth {
            initial_response: None,
            ..
        } => server.challenge(b"challenge"),
        Event::AuthCancelled => Ok(()),
        Event::Stls => server.reply(&Response::err("no TLS")),
        Event::Capa => server.capabilities(&[Capability::User, Capability::Pipelining]),
        Event::Stat => server.stat(3, 60),
        Event::List(None) => server.scan_listing([(1, 27), (2, 24), (3, 0)]),
        Event::Uidl(None) => server.uid_listing([(1, "a"), (2, "b"), (3, "c")]),
        Event::List(Some(n)) => match message(*n) {
            Some(m) => server.scan(*n, m.len() as u64),
            None => no(server),
        },
        Event::Uidl(Some(n)) => match message(*n) {
            Some(_) => server.uid(*n, b"uid"),
            None => no(server),
        },
        Event::Retr(n) => match message(*n) {
            Some(m) => server.send_message(&Response::ok("follows"), m),
            None => no(server),
        },
        Event::Top { msg, lines } => match message(*msg) {
            Some(m) => server.send_message(&Response::ok("top"), top_of(&m, *lines)),
            None => no(server),
        },
        _ => ok(server),
    };
}

fn drive(input: &[u8], chunk: usize) -> (Vec<String>, Vec<u8>) {
    let greeting = Response::ok("ready <1.2@fuzz>");
    sanswire_fuzz::run(Server::new(greeting).unwrap(), input, chunk, answer, |_| {
        false
    })
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = drive(input, input.len().max(1));
    let pieces = drive(input, chunk);
    assert_eq!(whole, pieces);
});
