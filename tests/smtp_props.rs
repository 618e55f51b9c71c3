//! Properties of the SMTP machines: chunking does not matter, dot-stuffing
//! round-trips, smuggling vectors never end DATA early, and CR/LF/NUL never
//! reach the wire.

use bytes::Bytes;
use proptest::prelude::*;
use sanswire::smtp::{
    Client, Command, Envelope, ErrorKind, MailParams, Notify, OriginalRecipient, Param, RcptParams,
    Recipient, Server, ServerConfig, ServerEvent,
};
use sanswire::wire::{DotStuffer, DotUnstuffer, Inbox, Machine, Next, Outbox, Unstuffed};

/// Feeds `input` to a fresh server in the given pieces, accepting every
/// decision; returns its events (adjacent `Data` merged, since how content
/// is cut depends on the reads) and every byte it sent.
fn serve_in_pieces(input: &[u8], cuts: &[usize]) -> (Vec<ServerEvent>, Vec<u8>) {
    let mut server = Server::new(ServerConfig::new("mx.example.org")).unwrap();
    let mut events: Vec<ServerEvent> = Vec::new();
    let mut pieces = Vec::new();
    let mut at = 0;
    for &c in cuts {
        let c = c.min(input.len()).max(at);
        pieces.push(&input[at..c]);
        at = c;
    }
    pieces.push(&input[at..]);
    for piece in pieces {
        server.receive(piece);
        loop {
            match server.poll_event() {
                Ok(Next::Event(e)) => {
                    if matches!(
                        e,
                        ServerEvent::MailFrom { .. }
                            | ServerEvent::RcptTo { .. }
                            | ServerEvent::MessageEnd { .. }
                    ) {
                        server.accept().unwrap();
                    }
                    match (events.last_mut(), e) {
                        (Some(ServerEvent::Data(prev)), ServerEvent::Data(more)) => {
                            let mut joined = prev.to_vec();
                            joined.extend_from_slice(&more);
                            *prev = Bytes::from(joined);
                        }
                        (_, e) => events.push(e),
                    }
                }
                Ok(_) => break,
                Err(_) => return (events, server.outbox().take_vec()),
            }
        }
    }
    (events, server.outbox().take_vec())
}

fn cuts(max: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..max, 0..12).prop_map(|mut v| {
        v.sort_unstable();
        v
    })
}

/// Bare CR and bare LF become CRLF, and a non-empty text that does not end
/// with a line end gets a final CRLF: what DATA can carry.
fn normalise(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' if text.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
                continue;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

const SMUGGLING: &[&[u8]] = &[
    b"\n.\n",
    b"\r.\r",
    b"\r\n.\n",
    b"\n.\r\n",
    b"\r\n.\r",
    b"\r.\r\n",
    b"\n.\r",
    b"\r.\n",
    b"\r\n.\r\r\n",
    b"\r\n\x00.\r\n",
];

const SMUGGLED: &[u8] =
    b"MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nforged\r\n";

fn text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(b'a'),
            Just(b'.'),
            Just(b'\r'),
            Just(b'\n'),
            Just(b' '),
            Just(0u8),
            Just(0xe9u8)
        ],
        0..60,
    )
}

/// Drives a client through greeting, EHLO and one pipelined DATA
/// transaction against scripted server bytes fed in pieces; returns the
/// client's wire bytes and its events.
fn client_in_pieces(message: &[u8], server_bytes: &[u8], cuts: &[usize]) -> (Vec<u8>, Vec<String>) {
    let mut client = Client::new("c.example.org").unwrap();
    client.set_prefer_chunking(false);
    let mut sent = Vec::new();
    let mut events = Vec::new();
    let mut pieces = Vec::new();
    let mut at = 0;
    for &c in cuts {
        let c = c.min(server_bytes.len()).max(at);
        pieces.push(&server_bytes[at..c]);
        at = c;
    }
    pieces.push(&server_bytes[at..]);
    for piece in pieces {
        client.receive(piece);
        while let Ok(Next::Event(e)) = client.poll_event() {
            if matches!(e, sanswire::smtp::Event::Ready { .. }) {
                let env = Envelope::new("a@example.org", ["b@example.org"]);
                client
                    .send_mail(&env, Bytes::copy_from_slice(message))
                    .unwrap();
            }
            events.push(format!("{e:?}"));
        }
        if let Err(e) = client.poll_event() {
            events.push(format!("error {e:?}"));
        }
        sent.extend_from_slice(&client.outbox().take_vec());
    }
    (sent, events)
}

const SERVER_SCRIPT: &[u8] = b"220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n\
250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n250 2.0.0 queued\r\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn server_events_do_not_depend_on_chunking(
        body in text(),
        cut_points in cuts(200),
    ) {
        let mut input = b"EHLO c.example.org\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n".to_vec();
        input.extend_from_slice(&body);
        input.extend_from_slice(b"\r\n.\r\nBDAT 3\r\nxyzNOOP\r\nQUIT\r\n");
        let whole = serve_in_pieces(&input, &[]);
        let pieces = serve_in_pieces(&input, &cut_points);
        prop_assert_eq!(&whole, &pieces);
        let bytewise: Vec<usize> = (1..input.len()).collect();
        prop_assert_eq!(&whole, &serve_in_pieces(&input, &bytewise));
    }

    #[test]
    fn client_does_not_depend_on_chunking(
        message in text(),
        cut_points in cuts(SERVER_SCRIPT.len()),
    ) {
        let whole = client_in_pieces(&message, SERVER_SCRIPT, &[]);
        let pieces = client_in_pieces(&message, SERVER_SCRIPT, &cut_points);
        prop_assert_eq!(&whole, &pieces);
        prop_assert!(whole.1.last().unwrap().starts_with("MailSent"));
    }

    #[test]
    fn stuffing_then_unstuffing_gives_back_the_normalised_text(
        data in text(),
        piece in 1usize..8,
    ) {
        let mut out = Outbox::new();
        let mut stuffer = DotStuffer::new();
        for p in data.chunks(piece) {
            stuffer.stuff(Bytes::copy_from_slice(p), &mut out);
        }
        stuffer.finish(&mut out);
        let wire = out.take_vec();
        let mut inbox = Inbox::new();
        let mut unstuffer = DotUnstuffer::new(usize::MAX);
        let mut content = Vec::new();
        let mut ended = false;
        for p in wire.chunks(piece) {
            inbox.extend_from_slice(p);
            while let Some(step) = unstuffer.next(&mut inbox).unwrap() {
                match step {
                    Unstuffed::Data(d) => content.extend_from_slice(&d),
                    Unstuffed::End => ended = true,
                }
            }
        }
        prop_assert!(ended);
        prop_assert!(inbox.is_empty());
        prop_assert_eq!(content, normalise(&data));
    }

    #[test]
    fn smuggling_never_ends_data_early_on_our_server(
        prefix in "[a-z ]{0,10}",
        vector in prop::sample::select(SMUGGLING),
        suffix in "[a-z ]{0,10}",
        cut_points in cuts(160),
    ) {
        let mut input = b"EHLO c.example.org\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n".to_vec();
        input.extend_from_slice(prefix.as_bytes());
        input.extend_from_slice(vector);
        input.extend_from_slice(SMUGGLED);
        input.extend_from_slice(suffix.as_bytes());
        input.extend_from_slice(b"\r\n.\r\n");
        let (events, _) = serve_in_pieces(&input, &cut_points);
        // One sender only; the message ends once, at the real end.
        let mails = events.iter().filter(|e| matches!(e, ServerEvent::MailFrom { .. })).count();
        prop_assert_eq!(mails, 1);
        let ends: Vec<&ServerEvent> = events
            .iter()
            .filter(|e| matches!(e, ServerEvent::MessageEnd { .. } | ServerEvent::MessageRejected(_)))
            .collect();
        prop_assert_eq!(ends.len(), 1);
        let last_is_end = matches!(
            events.last(),
            Some(ServerEvent::MessageEnd { .. } | ServerEvent::MessageRejected(_))
        );
        prop_assert!(last_is_end);
        // Accepted or not, the smuggled commands were read as content.
        if matches!(events.last(), Some(ServerEvent::MessageEnd { .. })) {
            let content: Vec<u8> = events
                .iter()
                .filter_map(|e| match e { ServerEvent::Data(d) => Some(d.to_vec()), _ => None })
                .flatten()
                .collect();
            prop_assert!(content.windows(12).any(|w| w == b"MAIL FROM:<e"));
        }
    }

    #[test]
    fn our_client_never_sends_an_early_terminator(
        prefix in text(),
        vector in prop::sample::select(SMUGGLING),
        suffix in text(),
    ) {
        let mut message = prefix.clone();
        message.extend_from_slice(vector);
        message.extend_from_slice(SMUGGLED);
        message.extend_from_slice(&suffix);
        let (sent, _) = client_in_pieces(&message, SERVER_SCRIPT, &[]);
        let data_at = sent.windows(6).position(|w| w == b"DATA\r\n").unwrap() + 6;
        let body = &sent[data_at..];
        // The first CRLF.CRLF (counting the CRLF of the DATA line) is the
        // real terminator at the very end.
        let mut framed = b"\r\n".to_vec();
        framed.extend_from_slice(body);
        let first = framed.windows(5).position(|w| w == b"\r\n.\r\n").unwrap();
        prop_assert_eq!(first, framed.len() - 5);
        // And no bare CR or LF at all, so no receiver can split lines
        // differently.
        for (i, &b) in body.iter().enumerate() {
            if b == b'\n' {
                prop_assert!(i > 0 && body[i - 1] == b'\r');
            }
            if b == b'\r' {
                prop_assert_eq!(body.get(i + 1), Some(&b'\n'));
            }
        }
        // Our server, fed those bytes, gets the normalised message back.
        let mut input = b"EHLO c.example.org\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n".to_vec();
        input.extend_from_slice(body);
        let (events, _) = serve_in_pieces(&input, &[]);
        let content: Vec<u8> = events
            .iter()
            .filter_map(|e| match e { ServerEvent::Data(d) => Some(d.to_vec()), _ => None })
            .flatten()
            .collect();
        prop_assert_eq!(content, normalise(&message));
        let ended = matches!(events.last(), Some(ServerEvent::MessageEnd { .. }));
        prop_assert!(ended);
    }

    #[test]
    fn cr_lf_nul_in_any_argument_is_refused(
        before in "[a-z]{0,5}",
        bad in prop::sample::select(vec!["\r", "\n", "\0", "\r\n"]),
        after in "[a-z]{0,5}",
        which in 0usize..12,
    ) {
        let evil = format!("{before}{bad}{after}");
        let mailbox = format!("{evil}@example.org");
        let cmd = match which {
            0 => Command::Ehlo(evil.clone()),
            1 => Command::Helo(evil.clone()),
            2 => Command::Lhlo(evil.clone()),
            3 => Command::MailFrom { from: mailbox.clone(), params: MailParams::default() },
            4 => Command::MailFrom {
                from: "a@example.org".into(),
                params: MailParams { envid: Some(evil.clone()), ..Default::default() },
            },
            5 => Command::MailFrom {
                from: "a@example.org".into(),
                params: MailParams {
                    other: vec![Param { keyword: "X".into(), value: Some(evil.clone()) }],
                    ..Default::default()
                },
            },
            6 => Command::RcptTo { to: mailbox.clone(), params: RcptParams::default() },
            7 => Command::RcptTo {
                to: "b@example.org".into(),
                params: RcptParams {
                    orcpt: Some(OriginalRecipient { addr_type: "rfc822".into(), addr: evil.clone() }),
                    notify: Some(Notify::default()),
                    other: vec![],
                },
            },
            8 => Command::Vrfy(evil.clone()),
            9 => Command::Help(Some(evil.clone())),
            10 => Command::Auth { mechanism: evil.clone(), initial_response: None },
            _ => Command::RcptTo {
                to: "b@example.org".into(),
                params: RcptParams {
                    other: vec![Param { keyword: evil.clone(), value: None }],
                    ..Default::default()
                },
            },
        };
        let refused = matches!(cmd.to_bytes().map_err(|e| e.kind()), Err(ErrorKind::InvalidArgument(_)));
        prop_assert!(refused);

        // Through the client's API: refused, nothing written.
        let mut client = Client::new("c.example.org").unwrap();
        client.receive(b"220 mx\r\n250-mx\r\n250-DSN\r\n250 PIPELINING\r\n");
        while let Ok(Next::Event(_)) = client.poll_event() {}
        client.outbox().take_vec();
        let results = [
            client.vrfy(&evil),
            client.help(Some(&evil)),
            client.send_mail(&Envelope::new(mailbox.as_str(), ["b@example.org"]), Bytes::new()),
            client.send_mail(&Envelope::new("a@example.org", [mailbox.as_str()]), Bytes::new()),
            client.send_mail(
                &Envelope {
                    from: "a@example.org".into(),
                    recipients: vec![Recipient::from("b@example.org"), Recipient {
                        address: "c@example.org".into(),
                        params: RcptParams {
                            orcpt: Some(OriginalRecipient { addr_type: "rfc822".into(), addr: evil.clone() }),
                            ..Default::default()
                        },
                    }],
                    params: MailParams::default(),
                },
                Bytes::new(),
            ),
        ];
        for r in results {
            let refused = matches!(r.as_ref().map_err(|e| e.kind()), Err(ErrorKind::InvalidArgument(_)));
            prop_assert!(refused, "{:?}", r);
        }
        prop_assert!(client.outbox().is_empty());
        prop_assert!(client.is_idle());
        prop_assert!(Client::new(&evil).is_err());
    }
}

fn mailbox() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,8}(\\.[a-z0-9]{1,5}){0,2}",
            "\"[a-z @<>.,]{0,8}\"",
        ],
        "[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?(\\.[a-z]{2,6}){1,2}",
    )
        .prop_map(|(l, d)| format!("{l}@{d}"))
}

proptest! {
    #[test]
    fn encode_then_parse_roundtrips(
        from in prop_oneof![Just(String::new()), mailbox()],
        to in mailbox(),
        size in proptest::option::of(0u64..u64::MAX),
        envid in proptest::option::of("[ -~]{1,12}"),
        notify in proptest::option::of((any::<bool>(), any::<bool>(), any::<bool>())),
        orcpt in proptest::option::of(mailbox()),
        bdat in (0u64..1 << 40, any::<bool>()),
    ) {
        let commands = [
            Command::MailFrom {
                from,
                params: MailParams { size, envid, smtputf8: size.is_some(), ..Default::default() },
            },
            Command::RcptTo {
                to,
                params: RcptParams {
                    notify: notify.map(|(success, failure, delay)| Notify { success, failure, delay }),
                    orcpt: orcpt.map(|addr| OriginalRecipient { addr_type: "rfc822".into(), addr }),
                    other: vec![],
                },
            },
            Command::Bdat { size: bdat.0, last: bdat.1 },
        ];
        for cmd in commands {
            let wire = cmd.to_bytes().unwrap();
            prop_assert!(wire.ends_with(b"\r\n"));
            prop_assert!(sanswire::wire::is_safe_argument(&wire[..wire.len() - 2]));
            prop_assert_eq!(Command::parse(&wire[..wire.len() - 2]).unwrap(), cmd);
        }
    }
}
