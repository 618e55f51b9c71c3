#![no_main]
//! The POP3 client machine on arbitrary server bytes in arbitrary chunks,
//! with a queue of commands in flight (listings, messages, a raw command,
//! QUIT): never a panic, same events whatever the chunking. Message
//! content arrives as slices of what was read, so `Data` events are
//! compared joined: the bytes of each block, not where reads cut them.

use libfuzzer_sys::fuzz_target;
use sanswire::pop3::{Client, Command, Event};

/// Events but `Data`, the content of each block, and the bytes sent.
type Outcome = (Vec<String>, Vec<Vec<u8>>, Vec<u8>);

fn drive(input: &[u8], chunk: usize) -> Outcome {
    let mut blocks = vec![Vec::new()];
    let (seen, sent) = sanswire_fuzz::run(
        client(),
        input,
        chunk,
        |_, event| match event {
            Event::Data(d) => blocks.last_mut().unwrap().extend_from_slice(d),
            Event::MessageEnd { .. } => blocks.push(Vec::new()),
            _ => {}
        },
        |_| false,
    );
    let seen = seen
        .into_iter()
        .filter(|e| !e.starts_with("Data("))
        .collect();
    (seen, blocks, sent)
}

fn client() -> Client {
    let mut client = Client::new();
    for cmd in [
        Command::Capa,
        Command::User("alice".into()),
        Command::Pass("secret".into()),
        Command::Stat,
        Command::List(None),
        Command::Uidl(None),
        Command::List(Some(2)),
        Command::Uidl(Some(2)),
        Command::Retr(1),
        Command::Top { msg: 2, lines: 3 },
        Command::Dele(1),
    ] {
        client.send(cmd).unwrap();
    }
    client.send_raw(b"XTND XLIST", true).unwrap();
    client.send(Command::Quit).unwrap();
    client
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = drive(input, input.len().max(1));
    let pieces = drive(input, chunk);
    assert_eq!(whole, pieces);
});
