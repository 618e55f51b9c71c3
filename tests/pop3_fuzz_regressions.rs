//! Inputs the fuzzers found, kept as tests.

use sanswire::pop3::{Client, Command, Event};
use sanswire::wire::{Machine, Next};

/// The first `pop3_client` fuzz failure (its seed session, cut in 8-byte
/// reads): `Data` pieces follow the reads, so the harness compared
/// boundaries, not content. The machine was right; this pins what must
/// hold: the same events and the same content, joined, for any cut.
#[test]
fn data_pieces_follow_reads_but_content_does_not() {
    let server: &[u8] = b"+OK ready <1@x>\r\n+OK Capability list follows\r\nUSER\r\nPIPELINING\r\n.\r\n\
        +OK\r\n+OK logged in\r\n+OK 2 320\r\n+OK\r\n1 120\r\n2 200\r\n.\r\n+OK\r\n1 a\r\n2 b\r\n.\r\n\
        +OK 2 200\r\n+OK 2 b\r\n+OK\r\nSubject: x\r\n\r\n..dot\r\n.\r\n+OK\r\nSubject: y\r\n.\r\n\
        +OK deleted\r\n+OK\r\nraw line\r\n.\r\n+OK bye\r\n";
    let whole = drive(server, server.len());
    for chunk in [1, 8, 13] {
        assert_eq!(drive(server, chunk), whole, "chunk {chunk}");
    }
    assert_eq!(
        whole.1,
        [
            &b"Subject: x\r\n\r\n.dot\r\n"[..],
            b"Subject: y\r\n",
            b"raw line\r\n"
        ]
    );
    assert_eq!(whole.0.len(), 17, "{:?}", whole.0);
}

/// (events but Data, joined content of each block)
fn drive(input: &[u8], chunk: usize) -> (Vec<String>, Vec<Vec<u8>>) {
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
    client.quit().unwrap();
    let mut pieces = input.chunks(chunk);
    let (mut events, mut blocks, mut current) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        client.outbox().take_vec();
        match client.poll_event().unwrap() {
            Next::Event(Event::Data(d)) => current.extend_from_slice(&d),
            Next::Event(e) => {
                if matches!(e, Event::MessageEnd { .. }) {
                    blocks.push(std::mem::take(&mut current));
                }
                events.push(format!("{e:?}"));
            }
            Next::NeedInput => client.receive(pieces.next().expect("complete session")),
            Next::Paused => break,
        }
    }
    assert!(client.is_closed());
    (events, blocks)
}
