//! Properties of the POP3 machines, checked on generated input.

mod common;
mod pop3_support;

use bytes::Bytes;
use common::normalise;
use pop3_support::{Mailbox, Pair, TestPlain};
use proptest::prelude::*;
use sanswire::pop3::{
    Client, Command, ErrorKind, Event, Response, ResponseCode, Server, ServerEvent,
};
use sanswire::wire::{Machine, Next};

/// Message bytes rich in what framing gets wrong: dots, CR, LF, and
/// bytes that are not UTF-8.
fn message() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        3 => Just(b'.'),
        3 => Just(b'\r'),
        3 => Just(b'\n'),
        2 => Just(b'a'),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..200)
}

/// Joins adjacent `Data` events: how the content is cut into pieces
/// follows the reads, everything else must not.
fn join_data(events: Vec<Event>) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for e in events {
        match (out.last_mut(), e) {
            (Some(Event::Data(prev)), Event::Data(d)) => {
                let mut joined = prev.to_vec();
                joined.extend_from_slice(&d);
                *prev = Bytes::from(joined);
            }
            (_, e) => out.push(e),
        }
    }
    out
}

/// The same commands, queued on a fresh client.
fn queue_scenario(c: &mut Client, messages: u32) {
    c.auth(TestPlain {
        user: "mrose",
        password: "tanstaaf".into(),
        initial: false,
    })
    .unwrap();
    c.capa().unwrap();
    c.stat().unwrap();
    c.list(None).unwrap();
    c.uidl(None).unwrap();
    for n in 1..=messages {
        c.retr(n).unwrap();
        c.top(n, 1).unwrap();
        c.list(Some(n)).unwrap();
        c.uidl(Some(n)).unwrap();
    }
    c.dele(1).unwrap();
    c.retr(1).unwrap();
    c.quit().unwrap();
}

/// Feeds `input` to `client` cut at the given sizes (cycled); returns its
/// events and everything it sent.
fn feed_in_pieces(client: &mut Client, input: &[u8], sizes: &[usize]) -> (Vec<Event>, Vec<u8>) {
    let mut events = Vec::new();
    let mut sent = client.outbox().take_vec();
    let mut at = 0;
    let mut k = 0;
    while at < input.len() {
        let n = sizes[k % sizes.len()].min(input.len() - at);
        k += 1;
        client.receive(&input[at..at + n]);
        at += n;
        while let Next::Event(e) = client.poll_event().unwrap() {
            events.push(e);
        }
        sent.extend(client.outbox().take_vec());
    }
    (events, sent)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Server responses fed to the client in any chunks give the same
    /// events (adjacent Data joined) and the same bytes sent back.
    #[test]
    fn client_events_do_not_depend_on_chunking(
        messages in prop::collection::vec(message(), 1..4),
        sizes in prop::collection::vec(1usize..40, 1..8),
    ) {
        let count = messages.len() as u32;
        let mailbox = Mailbox::with_messages(messages.into_iter().map(Bytes::from).collect());
        let mut pair = Pair::new("ready", mailbox);
        queue_scenario(&mut pair.client, count);
        let whole = join_data(pair.run());
        prop_assert!(pair.client.is_closed());

        let mut client = Client::new();
        queue_scenario(&mut client, count);
        let (events, sent) = feed_in_pieces(&mut client, &pair.to_client, &sizes);
        prop_assert_eq!(&join_data(events), &whole);
        prop_assert_eq!(&sent, &pair.to_server);

        // One byte at a time.
        let mut client = Client::new();
        queue_scenario(&mut client, count);
        let (events, sent) = feed_in_pieces(&mut client, &pair.to_client, &[1]);
        prop_assert_eq!(join_data(events), whole);
        prop_assert_eq!(&sent, &pair.to_server);
    }

    /// The client's commands fed to the server in any chunks give the same
    /// server events and the same answers.
    #[test]
    fn server_events_do_not_depend_on_chunking(
        messages in prop::collection::vec(message(), 1..3),
        sizes in prop::collection::vec(1usize..30, 1..8),
    ) {
        let count = messages.len() as u32;
        let messages: Vec<Bytes> = messages.into_iter().map(Bytes::from).collect();
        let mut pair = Pair::new("ready", Mailbox::with_messages(messages.clone()));
        queue_scenario(&mut pair.client, count);
        pair.run();

        let mut server = Server::new(Response::ok("ready")).unwrap();
        let mut mailbox = Mailbox::with_messages(messages);
        let mut sent = server.outbox().take_vec();
        let input = &pair.to_server;
        let (mut at, mut k) = (0, 0);
        while at < input.len() {
            let n = sizes[k % sizes.len()].min(input.len() - at);
            k += 1;
            server.receive(&input[at..at + n]);
            at += n;
            while let Next::Event(e) = server.poll_event().unwrap() {
                mailbox.answer(&mut server, e);
            }
            sent.extend(server.outbox().take_vec());
        }
        prop_assert_eq!(&mailbox.seen, &pair.mailbox.seen);
        prop_assert_eq!(&sent, &pair.to_client);
        prop_assert_eq!(&mailbox.applied, &Some(vec![1]));
    }

    /// Any bytes, stuffed by the server's RETR (given to it in any pieces)
    /// and unstuffed by the client, come out as the normalised content.
    #[test]
    fn retr_roundtrips_any_bytes(
        content in message(),
        cuts in prop::collection::vec(0usize..200, 0..5),
    ) {
        let mut server = Server::new(Response::ok("hi")).unwrap();
        let mut client = Client::new();
        client.retr(1).unwrap();
        server.receive(b"USER u\r\nPASS p\r\nRETR 1\r\n");
        for _ in 0..2 {
            server.poll_event().unwrap();
            server.reply(&Response::ok("")).unwrap();
        }
        prop_assert_eq!(server.poll_event().unwrap(), Next::Event(ServerEvent::Retr(1)));
        server.start_message(&Response::ok("follows")).unwrap();
        let mut cuts = cuts;
        cuts.push(content.len());
        cuts.sort_unstable();
        let mut from = 0;
        let whole = Bytes::from(content.clone());
        for cut in cuts {
            let cut = cut.min(whole.len());
            if cut > from {
                server.message_data(whole.slice(from..cut)).unwrap();
                from = cut;
            }
        }
        server.end_message().unwrap();
        let wire = server.outbox().take_vec();
        // Skip the USER/PASS answers the client did not ask for.
        let start = wire.windows(11).position(|w| w == b"+OK follows").unwrap();
        let mut got = Vec::new();
        client.receive(b"+OK\r\n");
        client.receive(&wire[start..]);
        let mut ended = false;
        while let Next::Event(e) = client.poll_event().unwrap() {
            match e {
                Event::Data(d) => got.extend_from_slice(&d),
                Event::MessageEnd { msg: 1 } => ended = true,
                _ => {}
            }
        }
        prop_assert!(ended);
        prop_assert_eq!(got, normalise(&content));
    }

    /// Encode then parse gives the command back, for any safe arguments.
    #[test]
    fn commands_roundtrip(
        token in "[!-~]{1,40}",
        secret in "[ -~]{0,40}",
        msg in 1u32..,
        lines in any::<u32>(),
        ir in prop::option::of(prop::collection::vec(any::<u8>(), 0..60)),
    ) {
        let t = || Bytes::from(token.clone());
        for cmd in [
            Command::User(t()),
            Command::Pass(Bytes::from(secret.clone())),
            Command::Apop { user: t(), digest: t() },
            Command::Auth { mechanism: t(), initial_response: ir.clone().map(Bytes::from) },
            Command::List(Some(msg)),
            Command::Uidl(Some(msg)),
            Command::Retr(msg),
            Command::Top { msg, lines },
            Command::Dele(msg),
        ] {
            let line = cmd.encode().unwrap();
            let back = Command::parse(&Bytes::copy_from_slice(&line[..line.len() - 2]));
            prop_assert_eq!(back, Ok(cmd));
        }
    }

    /// Any argument holding CR, LF or NUL is refused and nothing is queued.
    #[test]
    fn injection_is_always_refused(
        before in "[ -~]{0,10}",
        bad in prop_oneof![Just('\r'), Just('\n'), Just('\0')],
        after in "[ -~]{0,10}",
    ) {
        let arg = format!("{before}{bad}{after}");
        let mut client = Client::new();
        client.receive(b"+OK hi <1.2@x>\r\n");
        client.poll_event().unwrap();
        let b = || Bytes::from(arg.clone());
        prop_assert!(client.user(&arg).is_err());
        prop_assert!(client.pass(&arg).is_err());
        prop_assert!(client.apop(&arg, "s").is_err());
        let apop = client.send(Command::Apop { user: "u".into(), digest: b() });
        prop_assert!(apop.is_err());
        let auth = client.send(Command::Auth { mechanism: b(), initial_response: None });
        prop_assert!(auth.is_err());
        prop_assert!(client.outbox().is_empty());
        prop_assert_eq!(client.pending(), 0);
        prop_assert_eq!(Command::Pass(b()).encode(), Err(ErrorKind::UnsafeArgument.into()));
        prop_assert_eq!(Response::ok(b()).to_line(), Err(ErrorKind::UnsafeArgument.into()));
        prop_assert_eq!(
            Response::err("x").with_code(ResponseCode::Other(b())).to_line(),
            Err(ErrorKind::UnsafeArgument.into())
        );
    }

    /// Status lines roundtrip through encode and parse.
    #[test]
    fn responses_roundtrip(ok in any::<bool>(), text in "[ -~]{0,60}", code in prop::option::of("[A-Z/-]{1,12}")) {
        // Text that starts with '[' would read back as a code.
        prop_assume!(!text.starts_with('['));
        let mut r = if ok { Response::ok(text.clone()) } else { Response::err(text.clone()) };
        if let Some(code) = code {
            r = r.with_code(ResponseCode::parse(Bytes::from(code)));
        }
        let line = r.to_line().unwrap();
        let back = Response::parse(Bytes::copy_from_slice(&line[..line.len() - 2])).unwrap();
        // A single leading space in the text is eaten as the separator.
        prop_assume!(r.code.is_none() || !text.starts_with(' '));
        prop_assert_eq!(back, r);
    }
}
