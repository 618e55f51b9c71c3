//! Whole POP3 conversations between `pop3::Client` and `pop3::Server`,
//! wired in memory, with the exact bytes on the wire asserted.

mod pop3_support;

use bytes::Bytes;
use pop3_support::{EvilName, Mailbox, Pair, TestPlain, TIMESTAMP};
use sanswire::pop3::{
    Capabilities, Capability, Client, Command, Error, ErrorKind, Event, Response, ResponseCode,
    Server, ServerEvent, State,
};
use sanswire::wire::{Fault, Machine, Next, ProtocolError, Transport};

const MSG1: &[u8] = b"From: a@example.org\r\nSubject: one\r\n\r\nbody line 1\r\n.leading dot\r\n..two dots\r\n.\r\nlast\r\n";
const MSG2: &[u8] = b"Subject: two\r\n\r\nhello\r\n";
/// Bytes that are not UTF-8, a NUL, lines of a single dot.
const MSG3: &[u8] = b"Subject: \xff\xfe bin\r\n\r\n\x80\x81\x00\r\n.\r\n.\r\n\xc3\x28\r\n";

fn mailbox() -> Mailbox {
    Mailbox::new(&[MSG1, MSG2, MSG3])
}

fn ok(text: &'static str) -> Response {
    Response::ok(Bytes::from_static(text.as_bytes()))
}

fn message_bytes(events: &[Event], msg: u32) -> Vec<u8> {
    let mut inside = false;
    let mut out = Vec::new();
    for e in events {
        match e {
            Event::MessageStart { msg: m, .. } if *m == msg => inside = true,
            Event::Data(d) if inside => out.extend_from_slice(d),
            Event::MessageEnd { msg: m } if *m == msg => return out,
            _ => {}
        }
    }
    panic!("message {msg} not complete in {events:?}");
}

#[test]
fn every_transaction_command() {
    let mut p = Pair::new("POP3 server ready", mailbox());
    let events = p.login();
    assert_eq!(
        events,
        [
            Event::Greeting(ok("POP3 server ready")),
            Event::Ok(ok("send PASS")),
            Event::Ok(ok("maildrop locked")),
        ]
    );
    assert_eq!(p.server.state(), State::Transaction);
    assert!(p.client.is_authenticated());

    p.client.stat().unwrap();
    p.client.list(None).unwrap();
    p.client.list(Some(2)).unwrap();
    p.client.uidl(None).unwrap();
    p.client.uidl(Some(3)).unwrap();
    p.client.noop().unwrap();
    let sizes = [MSG1.len() as u64, MSG2.len() as u64, MSG3.len() as u64];
    assert_eq!(
        p.run(),
        [
            Event::Stat {
                count: 3,
                size: sizes.iter().sum()
            },
            Event::List(vec![(1, sizes[0]), (2, sizes[1]), (3, sizes[2])]),
            Event::Scan {
                msg: 2,
                size: sizes[1]
            },
            Event::Uidl(vec![
                (1, Bytes::from_static(b"uid-1")),
                (2, Bytes::from_static(b"uid-2")),
                (3, Bytes::from_static(b"uid-3")),
            ]),
            Event::Uid {
                msg: 3,
                uid: Bytes::from_static(b"uid-3")
            },
            Event::Ok(ok("")),
        ]
    );

    p.client.retr(1).unwrap();
    p.client.top(1, 1).unwrap();
    p.client.retr(3).unwrap();
    let events = p.run();
    assert_eq!(message_bytes(&events, 1), MSG1);
    assert_eq!(
        events[0],
        Event::MessageStart {
            msg: 1,
            response: Response::ok(format!("{} octets", MSG1.len()))
        }
    );
    // The TOP answer: header, blank line, one body line.
    let top_start = events
        .iter()
        .position(|e| matches!(e, Event::MessageEnd { msg: 1 }))
        .unwrap()
        + 1;
    assert_eq!(
        message_bytes(&events[top_start..], 1),
        b"From: a@example.org\r\nSubject: one\r\n\r\nbody line 1\r\n"
    );
    assert_eq!(message_bytes(&events, 3), MSG3);

    p.client.dele(1).unwrap();
    p.client.retr(1).unwrap();
    p.client.stat().unwrap();
    p.client.rset().unwrap();
    p.client.dele(2).unwrap();
    p.client.dele(9).unwrap();
    p.client.quit().unwrap();
    let events = p.run();
    assert_eq!(
        events,
        [
            Event::Ok(ok("message 1 deleted")),
            Event::Err(Response::err("message 1 already deleted")),
            Event::Stat {
                count: 2,
                size: sizes[1] + sizes[2]
            },
            Event::Ok(ok("reset")),
            Event::Ok(ok("message 2 deleted")),
            Event::Err(Response::err("no such message")),
            Event::Ok(ok("bye")),
        ]
    );
    assert_eq!(p.mailbox.applied, Some(vec![2]));
    assert!(p.client.is_closed() && p.server.is_closed());
    assert_eq!(p.server.state(), State::Update);
    assert!(p.client.quit().is_err());

    // The exact bytes each way.
    let sent = String::from_utf8(p.to_server.clone()).unwrap();
    assert_eq!(
        sent,
        "USER mrose\r\nPASS tanstaaf\r\nSTAT\r\nLIST\r\nLIST 2\r\nUIDL\r\nUIDL 3\r\nNOOP\r\n\
         RETR 1\r\nTOP 1 1\r\nRETR 3\r\nDELE 1\r\nRETR 1\r\nSTAT\r\nRSET\r\nDELE 2\r\nDELE 9\r\nQUIT\r\n"
    );
    let head = b"+OK POP3 server ready\r\n+OK send PASS\r\n+OK maildrop locked\r\n+OK 3 ";
    assert!(p.to_client.starts_with(head));
    let stuffed_msg1 = b"+OK 85 octets\r\nFrom: a@example.org\r\nSubject: one\r\n\r\nbody line 1\r\n..leading dot\r\n...two dots\r\n..\r\nlast\r\n.\r\n";
    assert_eq!(MSG1.len(), 85);
    assert!(p
        .to_client
        .windows(stuffed_msg1.len())
        .any(|w| w == stuffed_msg1));
    assert!(p.to_client.ends_with(b"+OK bye\r\n"));
}

#[test]
fn capa_is_typed_and_utf8_is_recorded() {
    let mut p = Pair::new("ready", mailbox());
    p.mailbox
        .capabilities
        .push(Capability::Utf8 { user: false });
    p.mailbox
        .capabilities
        .push(Capability::Implementation(Bytes::from_static(b"test 1.0")));
    p.mailbox
        .capabilities
        .push(Capability::Other(Bytes::from_static(b"X-EXT a b")));
    p.client.capa().unwrap();
    p.client.utf8().unwrap();
    let events = p.run();
    let Event::Capabilities(caps) = &events[1] else {
        panic!("{events:?}")
    };
    assert_eq!(caps, &Capabilities(p.mailbox.capabilities.clone()));
    assert!(caps.has_sasl("plain") && caps.utf8() && !caps.pipelining());
    assert_eq!(events[2], Event::Ok(ok("UTF8 enabled")));
    assert!(p.client.is_utf8() && p.server.is_utf8());
    assert!(p.to_client.ends_with(
        b"+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN\r\nRESP-CODES\r\nUTF8\r\nIMPLEMENTATION test 1.0\r\nX-EXT a b\r\n.\r\n+OK UTF8 enabled\r\n"
    ));
}

#[test]
fn pipelined_retrs_go_out_at_once_and_match_in_order() {
    let mut p = Pair::new("ready", mailbox());
    p.mailbox.capabilities.push(Capability::Pipelining);
    p.client.capa().unwrap();
    p.login();
    assert!(p.client.pipelining());
    for n in [1, 2, 3, 2, 1] {
        p.client.retr(n).unwrap();
    }
    // All five on the wire before any answer.
    assert_eq!(
        p.client.outbox().to_vec(),
        b"RETR 1\r\nRETR 2\r\nRETR 3\r\nRETR 2\r\nRETR 1\r\n"
    );
    let events = p.run();
    let ends: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            Event::MessageEnd { msg } => Some(*msg),
            _ => None,
        })
        .collect();
    assert_eq!(ends, [1, 2, 3, 2, 1]);
    assert_eq!(message_bytes(&events, 3), MSG3);
    assert_eq!(message_bytes(&events, 2), MSG2);
}

#[test]
fn without_pipelining_commands_wait_for_the_previous_answer() {
    let mut p = Pair::new("ready", mailbox());
    p.login();
    p.client.retr(1).unwrap();
    p.client.retr(2).unwrap();
    p.client.stat().unwrap();
    assert_eq!(p.client.outbox().to_vec(), b"RETR 1\r\n");
    assert_eq!(p.client.pending(), 3);
    let events = p.run();
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::MessageEnd { .. }))
            .count(),
        2
    );
    assert!(matches!(events.last(), Some(Event::Stat { count: 3, .. })));
    // Forcing it sends at once.
    p.client.set_pipelining(true);
    p.client.noop().unwrap();
    p.client.noop().unwrap();
    assert_eq!(p.client.outbox().to_vec(), b"NOOP\r\nNOOP\r\n");
}

#[test]
fn commands_queued_before_the_greeting_wait_for_it() {
    let mut client = Client::new();
    client.set_pipelining(true);
    client.user("mrose").unwrap();
    assert!(client.outbox().is_empty());
    client.receive(b"+OK hi\r\n");
    assert!(matches!(
        client.poll_event(),
        Ok(Next::Event(Event::Greeting(_)))
    ));
    assert_eq!(client.outbox().take_vec(), b"USER mrose\r\n");
}

#[test]
fn apop_login() {
    let mut p = Pair::new(&format!("POP3 server ready {TIMESTAMP}"), mailbox());
    p.run();
    assert_eq!(
        p.client.apop_timestamp().unwrap().as_ref(),
        TIMESTAMP.as_bytes()
    );
    p.client.apop("mrose", "tanstaaf").unwrap();
    assert_eq!(p.run(), [Event::Ok(ok("maildrop locked"))]);
    assert!(p
        .to_server
        .ends_with(b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"));
    assert_eq!(p.server.state(), State::Transaction);

    let mut p = Pair::new(&format!("ready {TIMESTAMP}"), mailbox());
    p.run();
    p.client.apop("mrose", "wrong").unwrap();
    assert_eq!(p.run(), [Event::Err(Response::err("permission denied"))]);
    assert_eq!(p.server.state(), State::Authorization);
}

#[test]
fn apop_needs_a_timestamp() {
    let mut p = Pair::new("ready", mailbox());
    p.run();
    assert!(matches!(
        p.client.apop("mrose", "x"),
        Err(ref kind_err) if matches!(kind_err.kind(), ErrorKind::OutOfSequence(_))));
    // A client that sends APOP anyway is refused by the server itself.
    p.client
        .send(Command::Apop {
            user: "mrose".into(),
            digest: "00".into(),
        })
        .unwrap();
    assert_eq!(p.run(), [Event::Err(Response::err("APOP not available"))]);
    assert!(p.mailbox.seen.is_empty());
}

#[test]
fn auth_with_initial_response() {
    let mut p = Pair::new("ready", mailbox());
    p.client
        .auth(TestPlain {
            user: "mrose",
            password: "tanstaaf".into(),
            initial: true,
        })
        .unwrap();
    let events = p.run();
    assert_eq!(events[1], Event::Ok(ok("authenticated")));
    assert_eq!(p.to_server, b"AUTH PLAIN AG1yb3NlAHRhbnN0YWFm\r\n");
    assert_eq!(
        p.mailbox.seen,
        [ServerEvent::Auth {
            mechanism: "PLAIN".into(),
            initial_response: Some(Bytes::from_static(b"\0mrose\0tanstaaf")),
        }]
    );
    assert_eq!(p.server.state(), State::Transaction);
    assert!(p.client.is_authenticated());
}

#[test]
fn auth_with_challenge_and_failure() {
    let mut p = Pair::new("ready", mailbox());
    p.client
        .auth(TestPlain {
            user: "mrose",
            password: "nope".into(),
            initial: false,
        })
        .unwrap();
    let events = p.run();
    assert_eq!(
        events[1],
        Event::Err(Response::err("bad credentials").with_code(ResponseCode::Auth))
    );
    assert_eq!(p.to_server, b"AUTH PLAIN\r\nAG1yb3NlAG5vcGU=\r\n");
    assert!(p
        .to_client
        .ends_with(b"+ \r\n-ERR [AUTH] bad credentials\r\n"));
    assert_eq!(p.server.state(), State::Authorization);
    assert!(!p.client.is_authenticated());
}

#[test]
fn long_initial_response_waits_for_the_empty_challenge() {
    let password = "p".repeat(300);
    let mut p = Pair::new("ready", mailbox());
    p.mailbox.password = Box::leak(password.clone().into_bytes().into_boxed_slice());
    p.client
        .auth(TestPlain {
            user: "mrose",
            password,
            initial: true,
        })
        .unwrap();
    let events = p.run();
    assert_eq!(events[1], Event::Ok(ok("authenticated")));
    assert!(p.to_server.starts_with(b"AUTH PLAIN\r\nAG1yb3NlAH"));
    assert!(p.to_server.len() > 400);
}

#[test]
fn auth_cancelled_when_the_mechanism_gives_up() {
    let mut client = Client::new();
    client.receive(b"+OK hi\r\n");
    client.poll_event().unwrap();
    client
        .auth(TestPlain {
            user: "u",
            password: "p".into(),
            initial: false,
        })
        .unwrap();
    assert_eq!(client.outbox().take_vec(), b"AUTH PLAIN\r\n");
    // A non-empty challenge: TestPlain refuses, the client sends `*`.
    client.receive(b"+ Zm9v\r\n");
    assert_eq!(client.poll_event(), Ok(Next::NeedInput));
    assert_eq!(client.outbox().take_vec(), b"*\r\n");
    client.receive(b"-ERR cancelled\r\n");
    assert_eq!(
        client.poll_event(),
        Ok(Next::Event(Event::Err(Response::err("cancelled"))))
    );

    // The server side of a cancel.
    let mut server = Server::new(ok("hi")).unwrap();
    server.outbox().take_vec();
    server.receive(b"AUTH PLAIN\r\n");
    assert!(matches!(
        server.poll_event(),
        Ok(Next::Event(ServerEvent::Auth { .. }))
    ));
    server.challenge(b"").unwrap();
    server.receive(b"*\r\n");
    assert_eq!(
        server.poll_event(),
        Ok(Next::Event(ServerEvent::AuthCancelled))
    );
    assert_eq!(
        server.outbox().take_vec(),
        b"+ \r\n-ERR authentication cancelled\r\n"
    );
    assert_eq!(server.state(), State::Authorization);
}

#[test]
fn stls_then_capabilities_are_forgotten() {
    let mut p = Pair::new("ready", mailbox());
    p.mailbox.capabilities.push(Capability::Stls);
    p.client.capa().unwrap();
    p.run();
    assert!(p.client.capabilities().unwrap().stls());
    p.client.stls().unwrap();
    // Nothing else may be queued until the handshake is done.
    assert!(
        matches!(p.client.user("x"), Err(ref kind_err) if matches!(kind_err.kind(), ErrorKind::OutOfSequence(_)))
    );
    let events = p.run();
    assert_eq!(events, [Event::Ok(ok("begin TLS"))]);
    assert_eq!(p.client.transport(), Transport::StartTls);
    assert_eq!(p.server.transport(), Transport::StartTls);
    assert_eq!(p.client.poll_event(), Ok(Next::Paused));
    p.client.tls_established();
    p.server.tls_established();
    assert!(p.client.capabilities().is_none());
    assert_eq!(p.client.transport(), Transport::Same);
    assert!(p.client.is_tls() && p.server.is_tls());
    // A second STLS is refused locally, and by the server.
    assert!(p.client.stls().is_err());
    p.server.receive(b"STLS\r\n");
    assert_eq!(p.server.poll_event(), Ok(Next::NeedInput));
    assert_eq!(p.server.outbox().take_vec(), b"-ERR TLS already active\r\n");
    p.login();
    assert_eq!(p.server.state(), State::Transaction);
}

#[test]
fn stls_refused_keeps_plaintext() {
    let mut p = Pair::new("ready", mailbox());
    p.mailbox.offer_tls = false;
    p.run();
    p.client.stls().unwrap();
    assert_eq!(p.run(), [Event::Err(Response::err("no TLS"))]);
    assert_eq!(p.client.transport(), Transport::Same);
    p.client.user("mrose").unwrap();
}

#[test]
fn client_refuses_plaintext_behind_the_stls_go_ahead() {
    // In the same read as the +OK.
    let mut client = Client::new();
    client.receive(b"+OK hi\r\n");
    client.poll_event().unwrap();
    client.stls().unwrap();
    client.receive(b"+OK go ahead\r\n+OK injected\r\n");
    let err = client.poll_event().unwrap_err();
    assert_eq!(err, ErrorKind::PlaintextAfterUpgrade.into());
    assert_eq!(err.fault(), Fault::Remote);
    assert_eq!(
        client.poll_event(),
        Err(ErrorKind::PlaintextAfterUpgrade.into())
    );
    assert_eq!(client.transport(), Transport::Same);

    // In a later read, before the handshake.
    let mut client = Client::new();
    client.receive(b"+OK hi\r\n");
    client.poll_event().unwrap();
    client.stls().unwrap();
    client.receive(b"+OK go ahead\r\n");
    assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Ok(_)))));
    client.receive(b"-ERR injected\r\n");
    assert_eq!(
        client.poll_event(),
        Err(ErrorKind::PlaintextAfterUpgrade.into())
    );
}

#[test]
fn server_refuses_plaintext_behind_stls() {
    // Pipelined behind STLS: the go-ahead is refused and nothing is sent.
    let mut server = Server::new(ok("hi")).unwrap();
    server.outbox().take_vec();
    server.receive(b"STLS\r\nUSER evil\r\n");
    assert_eq!(server.poll_event(), Ok(Next::Event(ServerEvent::Stls)));
    assert_eq!(
        server.reply(&ok("go")),
        Err(ErrorKind::PlaintextAfterUpgrade.into())
    );
    assert!(server.outbox().is_empty());
    assert_eq!(
        server.poll_event(),
        Err(ErrorKind::PlaintextAfterUpgrade.into())
    );
    assert_eq!(server.transport(), Transport::Same);

    // Arriving after the go-ahead, before the handshake.
    let mut server = Server::new(ok("hi")).unwrap();
    server.receive(b"STLS\r\n");
    server.poll_event().unwrap();
    server.reply(&ok("go")).unwrap();
    assert_eq!(server.transport(), Transport::StartTls);
    server.receive(b"USER evil\r\n");
    assert_eq!(
        server.poll_event(),
        Err(ErrorKind::PlaintextAfterUpgrade.into())
    );
}

#[test]
fn server_enforces_states() {
    let mut p = Pair::new("ready", mailbox());
    p.run();
    // Before login: transaction commands and PASS without USER.
    for cmd in [
        Command::Stat,
        Command::List(None),
        Command::Retr(1),
        Command::Dele(1),
        Command::Noop,
        Command::Rset,
        Command::Pass("x".into()),
    ] {
        p.client.send(cmd).unwrap();
    }
    let events = p.run();
    assert_eq!(events.len(), 7);
    let refused = Response::err("command not valid in this state");
    assert!(events[..6]
        .iter()
        .all(|e| *e == Event::Err(refused.clone())));
    assert_eq!(events[6], Event::Err(Response::err("USER first")));
    assert!(p.mailbox.seen.is_empty());

    // A failed PASS sends the client back to USER.
    p.client.user("mrose").unwrap();
    p.client.pass("wrong").unwrap();
    p.client.pass("tanstaaf").unwrap();
    let events = p.run();
    assert_eq!(
        events[1],
        Event::Err(Response::err("invalid password").with_code(ResponseCode::Auth))
    );
    assert_eq!(events[2], Event::Err(Response::err("USER first")));

    // After login: authorization commands are refused.
    p.login();
    for cmd in [
        Command::User("x".into()),
        Command::Utf8,
        Command::Apop {
            user: "a".into(),
            digest: "b".into(),
        },
        Command::Stls,
    ] {
        p.client.send(cmd).unwrap();
    }
    let events = p.run();
    assert_eq!(events, vec![Event::Err(refused); 4]);
}

#[test]
fn quit_in_authorization_reports_no_deletions() {
    let mut p = Pair::new("ready", mailbox());
    p.client.quit().unwrap();
    p.run();
    assert_eq!(p.mailbox.applied, Some(vec![]));
    assert_eq!(p.server.state(), State::Authorization);
    assert!(p.server.is_closed() && p.client.is_closed());
}

#[test]
fn server_answers_malformed_commands_and_reads_on() {
    let mut server = Server::new(ok("hi")).unwrap();
    server.outbox().take_vec();
    server.receive(b"XTND\r\nRETR x\r\nUSER  a\r\nAUTH PLAIN !!!\r\nUSER a\r\n");
    assert_eq!(
        server.poll_event(),
        Ok(Next::Event(ServerEvent::User("a".into())))
    );
    assert_eq!(
        server.outbox().take_vec(),
        b"-ERR unknown command\r\n-ERR bad arguments\r\n-ERR bad arguments\r\n-ERR initial response is not base64\r\n"
    );
}

#[test]
fn server_limits() {
    // A command line over 255 octets.
    let mut server = Server::new(ok("hi")).unwrap();
    server.outbox().take_vec();
    let mut long = b"USER ".to_vec();
    long.extend_from_slice(&[b'a'; 300]);
    server.receive(&long);
    assert_eq!(
        server.poll_event(),
        Err((ErrorKind::LineTooLong { limit: 255 }).into())
    );
    assert_eq!(server.outbox().take_vec(), b"-ERR line too long\r\n");

    // Too much pipelined while the application answers.
    let limits = sanswire::pop3::Limits {
        max_pipelined_input: 20,
        ..Default::default()
    };
    let mut server = Server::with_limits(ok("hi"), limits).unwrap();
    server.receive(b"USER a\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n");
    assert!(matches!(
        server.poll_event(),
        Ok(Next::Event(ServerEvent::User(_)))
    ));
    assert_eq!(
        server.poll_event(),
        Err((ErrorKind::TooMuchPipelined { limit: 20 }).into())
    );

    // Bare LF.
    let mut server = Server::new(ok("hi")).unwrap();
    server.receive(b"USER a\n");
    assert_eq!(server.poll_event(), Err(ErrorKind::BareLf.into()));
}

#[test]
fn server_answers_must_fit_the_command() {
    let mut server = Server::new(ok("hi")).unwrap();
    server.outbox().take_vec();
    assert!(matches!(
        server.reply(&ok("x")),
        Err(ref kind_err) if matches!(kind_err.kind(), ErrorKind::OutOfSequence(_))));
    server.receive(b"CAPA\r\n");
    assert_eq!(server.poll_event(), Ok(Next::Event(ServerEvent::Capa)));
    assert!(server.reply(&ok("x")).is_err());
    assert!(server.stat(1, 1).is_err());
    assert!(server.outbox().is_empty());
    server.reply(&Response::err("no")).unwrap();
    assert_eq!(server.outbox().take_vec(), b"-ERR no\r\n");
}

#[test]
fn client_limits_and_malformed_replies() {
    let greeted = || {
        let mut c = Client::with_limits(sanswire::pop3::Limits {
            max_listing_entries: 2,
            ..Default::default()
        });
        c.receive(b"+OK hi\r\n");
        c.poll_event().unwrap();
        c
    };
    let mut c = greeted();
    c.list(None).unwrap();
    c.receive(b"+OK\r\n1 1\r\n2 2\r\n3 3\r\n.\r\n");
    assert_eq!(
        c.poll_event(),
        Err((ErrorKind::TooManyEntries { limit: 2 }).into())
    );

    let mut c = greeted();
    c.stat().unwrap();
    c.receive(b"+OK lots\r\n");
    assert_eq!(c.poll_event(), Err(ErrorKind::MalformedStatus.into()));

    let mut c = greeted();
    c.noop().unwrap();
    c.receive(b"* BYE\r\n");
    assert_eq!(c.poll_event(), Err(ErrorKind::MalformedResponse.into()));

    let mut c = greeted();
    c.noop().unwrap();
    c.receive(b"+OK");
    c.receive_eof();
    assert_eq!(c.poll_event(), Err(ErrorKind::UnexpectedEof.into()));

    let mut c = greeted();
    c.retr(1).unwrap();
    c.receive(b"+OK\r\nhalf a mess");
    c.receive_eof();
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(Event::MessageStart { .. }))
    ));
    assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Data(_)))));
    assert_eq!(c.poll_event(), Err(ErrorKind::UnexpectedEof.into()));
}

#[test]
fn unsolicited_lines_are_refused() {
    let mut c = Client::new();
    c.receive(b"+OK hi\r\n+OK surprise\r\n");
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(Event::Greeting(_)))
    ));
    assert_eq!(c.poll_event(), Err(ErrorKind::UnexpectedData.into()));
    assert_eq!(c.noop(), Err(ErrorKind::UnexpectedData.into()));
}

#[test]
fn err_greeting_and_response_codes() {
    let mut c = Client::new();
    c.receive(b"-ERR [SYS/TEMP] too busy\r\n");
    assert_eq!(
        c.poll_event(),
        Ok(Next::Event(Event::Err(
            Response::err("too busy").with_code(ResponseCode::SysTemp)
        )))
    );
    let server = Server::new(Response::err("busy").with_code(ResponseCode::InUse)).unwrap();
    assert!(server.is_closed());
}

// --- injection: CR, LF or NUL in any argument is refused, nothing sent ---

const BAD: [&[u8]; 5] = [b"a\rb", b"a\nb", b"a\0b", b"x\r\nDELE 1", b"\r\n"];

#[test]
fn client_refuses_injection_in_every_argument() {
    let mut c = Client::new();
    c.receive(format!("+OK hi {TIMESTAMP}\r\n").as_bytes());
    c.poll_event().unwrap();
    c.set_pipelining(true);
    for bad in BAD {
        let b = || Bytes::copy_from_slice(bad);
        let results = [
            c.user(bad),
            c.pass(bad),
            c.apop(bad, "secret"),
            c.send(Command::User(b())),
            c.send(Command::Pass(b())),
            c.send(Command::Apop {
                user: b(),
                digest: "d".into(),
            }),
            c.send(Command::Apop {
                user: "u".into(),
                digest: b(),
            }),
        ];
        for r in results {
            let e = r.unwrap_err();
            assert_eq!(e, ErrorKind::UnsafeArgument.into());
            assert_eq!(e.fault(), Fault::Local);
        }
        assert!(c.outbox().is_empty());
        assert_eq!(c.pending(), 0);
    }
    assert_eq!(
        c.auth(EvilName).unwrap_err(),
        ErrorKind::UnsafeArgument.into()
    );
    assert!(c.outbox().is_empty());
    // The machine is still usable.
    c.noop().unwrap();
    assert_eq!(c.outbox().take_vec(), b"NOOP\r\n");
}

#[test]
fn server_refuses_injection_in_every_answer() {
    for bad in BAD {
        let b = || Bytes::copy_from_slice(bad);
        assert_eq!(
            Server::new(Response::ok(b())).unwrap_err(),
            ErrorKind::UnsafeArgument.into()
        );
        let mut p = Pair::new("ready", mailbox());
        p.login();
        p.server.outbox().take_vec();
        let ask = |p: &mut Pair, line: &[u8]| {
            p.server.receive(line);
            p.server.poll_event().unwrap().event().unwrap()
        };
        ask(&mut p, b"DELE 1\r\n");
        assert_eq!(
            p.server.reply(&Response::ok(b())),
            Err(ErrorKind::UnsafeArgument.into())
        );
        assert_eq!(
            p.server.reply(&Response::err(b())),
            Err(ErrorKind::UnsafeArgument.into())
        );
        assert_eq!(
            p.server
                .reply(&Response::err("x").with_code(ResponseCode::Other(b()))),
            Err(ErrorKind::UnsafeArgument.into())
        );
        p.server.reply(&Response::err("no")).unwrap();
        ask(&mut p, b"UIDL 1\r\n");
        assert_eq!(p.server.uid(1, bad), Err(ErrorKind::UnsafeArgument.into()));
        p.server.reply(&Response::err("no")).unwrap();
        ask(&mut p, b"UIDL\r\n");
        assert_eq!(
            p.server.uid_listing([(1, b())]),
            Err(ErrorKind::UnsafeArgument.into())
        );
        p.server.reply(&Response::err("no")).unwrap();
        ask(&mut p, b"CAPA\r\n");
        for cap in [
            Capability::Other(b()),
            Capability::Implementation(b()),
            Capability::Sasl(vec![b()]),
        ] {
            assert_eq!(
                p.server.capabilities(&[cap]),
                Err(ErrorKind::UnsafeArgument.into())
            );
        }
        p.server.reply(&Response::err("no")).unwrap();
        ask(&mut p, b"RETR 1\r\n");
        assert_eq!(
            p.server.start_message(&Response::ok(b())),
            Err(ErrorKind::UnsafeArgument.into())
        );
        p.server.reply(&Response::err("no")).unwrap();
        // Only the -ERR "no" lines went out.
        assert_eq!(p.server.outbox().take_vec(), b"-ERR no\r\n".repeat(5));
    }
}

#[test]
fn client_decodes_stuffed_listings_and_empty_messages() {
    let mut c = Client::new();
    c.set_pipelining(true);
    c.receive(b"+OK hi\r\n");
    c.poll_event().unwrap();
    c.capa().unwrap();
    c.retr(4).unwrap();
    c.list(None).unwrap();
    assert_eq!(c.outbox().take_vec(), b"CAPA\r\nRETR 4\r\nLIST\r\n");
    c.receive(b"+OK caps\r\n..X-DOT\r\nPIPELINING\r\n.\r\n+OK 0 octets\r\n.\r\n+OK\r\n.\r\n");
    let mut events = Vec::new();
    while let Next::Event(e) = c.poll_event().unwrap() {
        events.push(e);
    }
    assert_eq!(
        events,
        [
            Event::Capabilities(Capabilities(vec![
                Capability::Other(Bytes::from_static(b".X-DOT")),
                Capability::Pipelining,
            ])),
            Event::MessageStart {
                msg: 4,
                response: ok("0 octets")
            },
            Event::MessageEnd { msg: 4 },
            Event::List(vec![]),
        ]
    );
    assert_eq!(c.pending(), 0);
}

#[test]
fn machines_can_move_between_threads() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<Client>();
    assert_send::<Server>();
    assert_send::<Error>();
}
