//! In-memory conversations between our SMTP client and server machines.

use bytes::Bytes;
use sanswire::sasl::{self, Credentials};
use sanswire::smtp::{
    AuthMechanism, AuthRequest, Client, Envelope, Error, ErrorKind, Event, Reply, Server,
    ServerConfig, ServerEvent, Verb,
};
use sanswire::wire::{Machine, Next, Transport};

/// Our client and server, wired back to back, with a small application
/// on the server side:
/// - password `secret` for every user;
/// - senders starting with `refused` are rejected (550);
/// - recipients starting with `nobody` are rejected (550 5.1.1);
/// - in LMTP, recipients starting with `full` get 452 after the message.
struct Pair {
    client: Client,
    server: Server,
    client_events: Vec<Event>,
    server_events: Vec<ServerEvent>,
    client_error: Option<Error>,
    server_error: Option<Error>,
    /// Every byte the client sent.
    c2s: Vec<u8>,
    /// Every byte the server sent.
    s2c: Vec<u8>,
    /// Message content the server received.
    spool: Vec<u8>,
}

impl Pair {
    fn new(client: Client, config: ServerConfig) -> Pair {
        let mut server = Server::new(config).unwrap();
        server.set_nonce(42);
        let mut pair = Pair {
            client,
            server,
            client_events: Vec::new(),
            server_events: Vec::new(),
            client_error: None,
            server_error: None,
            c2s: Vec::new(),
            s2c: Vec::new(),
            spool: Vec::new(),
        };
        pair.run();
        pair
    }

    fn smtp(config: ServerConfig) -> Pair {
        Self::new(Client::new("client.example.org").unwrap(), config)
    }

    fn serve(&mut self, event: &ServerEvent) {
        let s = &mut self.server;
        match event {
            ServerEvent::Auth(req) => {
                if req.verify(b"secret") {
                    s.accept().unwrap();
                } else {
                    s.reject(Reply::new(535, Some("5.7.8"), "Bad credentials").unwrap())
                        .unwrap();
                }
            }
            ServerEvent::MailFrom { from, .. } if from.starts_with("refused") => s
                .reject(Reply::new(550, Some("5.7.1"), "Go away").unwrap())
                .unwrap(),
            ServerEvent::RcptTo { to, .. } if to.starts_with("nobody") => s
                .reject(Reply::new(550, Some("5.1.1"), "No such user").unwrap())
                .unwrap(),
            ServerEvent::MailFrom { .. } | ServerEvent::RcptTo { .. } => s.accept().unwrap(),
            ServerEvent::Data(bytes) => self.spool.extend_from_slice(bytes),
            ServerEvent::MessageEnd { .. } => {
                let lmtp = s.config().lmtp;
                let rcpts: Vec<String> = s.recipients().to_vec();
                if lmtp {
                    for r in rcpts {
                        if r.starts_with("full") {
                            s.reject(Reply::new(452, Some("4.2.2"), "Mailbox full").unwrap())
                                .unwrap();
                        } else {
                            s.accept().unwrap();
                        }
                    }
                } else {
                    s.accept().unwrap();
                }
            }
            _ => {}
        }
    }

    /// Moves bytes and events until nothing moves.
    fn run(&mut self) {
        loop {
            let mut moved = false;
            let out = self.client.outbox().take_vec();
            if !out.is_empty() {
                self.server.receive(&out);
                self.c2s.extend_from_slice(&out);
                moved = true;
            }
            let out = self.server.outbox().take_vec();
            if !out.is_empty() {
                self.client.receive(&out);
                self.s2c.extend_from_slice(&out);
                moved = true;
            }
            while self.server_error.is_none() {
                match self.server.poll_event() {
                    Ok(Next::Event(e)) => {
                        self.serve(&e);
                        self.server_events.push(e);
                        moved = true;
                    }
                    Ok(_) => break,
                    Err(e) => self.server_error = Some(e),
                }
            }
            while self.client_error.is_none() {
                match self.client.poll_event() {
                    Ok(Next::Event(e)) => {
                        self.client_events.push(e);
                        moved = true;
                    }
                    Ok(_) => break,
                    Err(e) => self.client_error = Some(e),
                }
            }
            if !moved {
                break;
            }
        }
    }

    fn take_c2s(&mut self) -> String {
        String::from_utf8(std::mem::take(&mut self.c2s)).unwrap()
    }

    fn take_s2c(&mut self) -> String {
        String::from_utf8(std::mem::take(&mut self.s2c)).unwrap()
    }

    fn last_client_event(&self) -> &Event {
        self.client_events.last().unwrap()
    }

    fn outcome(&self) -> &sanswire::smtp::Outcome {
        match self.last_client_event() {
            Event::MailSent(o) => o,
            other => panic!("expected MailSent, got {other:?}"),
        }
    }
}

fn config() -> ServerConfig {
    let mut c = ServerConfig::new("mx.example.org");
    c.auth = vec![
        AuthMechanism::Plain,
        AuthMechanism::Login,
        AuthMechanism::CramMd5,
    ];
    c.allow_plaintext_auth = true;
    c
}

fn no_pipelining() -> ServerConfig {
    let mut c = config();
    c.pipelining = false;
    c.chunking = false;
    c
}

const EHLO_REPLY: &str = "250-mx.example.org greets client.example.org\r\n\
250-SIZE 26214400\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-CHUNKING\r\n\
250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n";

#[test]
fn greeting_and_ehlo() {
    let mut p = Pair::smtp(config());
    assert_eq!(p.take_c2s(), "EHLO client.example.org\r\n");
    assert_eq!(
        p.take_s2c(),
        format!("220 mx.example.org ESMTP\r\n{EHLO_REPLY}")
    );
    let Event::Ready { caps } = p.last_client_event() else {
        panic!()
    };
    assert!(caps.pipelining && caps.chunking && caps.enhanced_status_codes);
    assert_eq!(caps.size, Some(26214400));
    assert_eq!(
        caps.auth().collect::<Vec<_>>(),
        ["PLAIN", "LOGIN", "CRAM-MD5"]
    );
    assert!(p.client.is_idle());
    assert_eq!(
        p.server_events,
        [ServerEvent::Hello {
            extended: true,
            domain: "client.example.org".into()
        }]
    );
}

#[test]
fn pipelined_transaction_with_data_and_a_rejected_recipient() {
    let mut p = Pair::smtp(config());
    p.client.set_prefer_chunking(false);
    p.take_c2s();
    p.take_s2c();
    let env = Envelope::new(
        "alice@example.org",
        ["bob@example.net", "nobody@example.net", "carol@example.net"],
    );
    p.client
        .send_mail(&env, Bytes::from_static(b"Subject: hi\r\n\r\n.dot\r\nbye"))
        .unwrap();
    // MAIL, every RCPT and DATA in one flight.
    assert_eq!(
        p.client.outbox().to_vec(),
        b"MAIL FROM:<alice@example.org> SIZE=24\r\nRCPT TO:<bob@example.net>\r\n\
RCPT TO:<nobody@example.net>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n"
    );
    p.run();
    assert_eq!(
        p.take_c2s(),
        "MAIL FROM:<alice@example.org> SIZE=24\r\nRCPT TO:<bob@example.net>\r\n\
RCPT TO:<nobody@example.net>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n\
Subject: hi\r\n\r\n..dot\r\nbye\r\n.\r\n"
    );
    assert_eq!(
        p.take_s2c(),
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n550 5.1.1 No such user\r\n\
250 2.1.5 Recipient OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Message accepted\r\n"
    );
    assert_eq!(p.spool, b"Subject: hi\r\n\r\n.dot\r\nbye\r\n");
    let o = p.outcome();
    assert_eq!(
        o.delivered().collect::<Vec<_>>(),
        ["bob@example.net", "carol@example.net"]
    );
    assert!(!o.is_complete());
    assert_eq!(o.recipients[1].reply.as_ref().unwrap().code(), 550);
    assert_eq!(
        o.recipients[1]
            .reply
            .as_ref()
            .unwrap()
            .enhanced()
            .unwrap()
            .to_string(),
        "5.1.1"
    );
    assert_eq!(o.reply.code(), 250);
    assert!(p.client.is_idle());
}

#[test]
fn one_command_at_a_time_without_pipelining() {
    let mut p = Pair::smtp(no_pipelining());
    p.take_c2s();
    let env = Envelope::new("a@example.org", ["b@example.net", "c@example.net"]);
    p.client
        .send_mail(&env, Bytes::from_static(b"x\r\n"))
        .unwrap();
    assert_eq!(
        p.client.outbox().to_vec(),
        b"MAIL FROM:<a@example.org> SIZE=3\r\n"
    );
    // One command per reply.
    let mut c2s = Vec::new();
    let mut s = p.client.outbox().take_vec();
    while !s.is_empty() {
        c2s.push(String::from_utf8(s.clone()).unwrap());
        p.server.receive(&s);
        while let Ok(Next::Event(e)) = p.server.poll_event() {
            p.serve(&e);
        }
        let r = p.server.outbox().take_vec();
        p.client.receive(&r);
        while let Ok(Next::Event(e)) = p.client.poll_event() {
            p.client_events.push(e);
        }
        s = p.client.outbox().take_vec();
    }
    assert_eq!(
        c2s,
        [
            "MAIL FROM:<a@example.org> SIZE=3\r\n",
            "RCPT TO:<b@example.net>\r\n",
            "RCPT TO:<c@example.net>\r\n",
            "DATA\r\n",
            "x\r\n.\r\n"
        ]
    );
    assert!(p.outcome().is_complete());
}

#[test]
fn all_recipients_refused_closes_with_rset() {
    for cfg in [config(), no_pipelining()] {
        let mut p = Pair::smtp(cfg);
        p.client.set_prefer_chunking(false);
        p.take_c2s();
        let env = Envelope::new("a@example.org", ["nobody@example.net"]);
        p.client
            .send_mail(&env, Bytes::from_static(b"x\r\n"))
            .unwrap();
        p.run();
        let sent = p.take_c2s();
        assert!(sent.ends_with("RSET\r\n"), "{sent}");
        assert!(!sent.contains("x\r\n.\r\n"));
        let o = p.outcome();
        assert_eq!(o.delivered().count(), 0);
        assert!(p.client.is_idle());
    }
}

#[test]
fn refused_sender() {
    let mut p = Pair::smtp(config());
    let env = Envelope::new("refused@example.org", ["b@example.net"]);
    p.client.send_mail(&env, Bytes::from_static(b"x")).unwrap();
    p.run();
    let o = p.outcome();
    assert_eq!(o.mail.code(), 550);
    assert_eq!(o.reply.code(), 550);
    // The pipelined RCPT and BDAT got 503s; the body was never taken.
    assert!(p.spool.is_empty());
    assert!(p.client.is_idle());
}

#[test]
fn bdat_pipelined_and_chunked() {
    let limits = sanswire::smtp::Limits {
        bdat_chunk: 4,
        ..Default::default()
    };
    let client = Client::with_limits("client.example.org", limits).unwrap();
    let mut p = Pair::new(client, config());
    p.take_c2s();
    p.take_s2c();
    let env = Envelope::new("a@example.org", ["b@example.net"]);
    p.client
        .send_mail(&env, Bytes::from_static(b"\r\n.\r\nabc"))
        .unwrap();
    p.run();
    assert_eq!(
        p.take_c2s(),
        "MAIL FROM:<a@example.org> SIZE=8\r\nRCPT TO:<b@example.net>\r\n\
BDAT 4\r\n\r\n.\rBDAT 4 LAST\r\n\nabc"
    );
    assert_eq!(
        p.take_s2c(),
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.0.0 4 octets received\r\n\
250 2.0.0 Message accepted\r\n"
    );
    // No dot-stuffing in BDAT: the bytes arrive as sent.
    assert_eq!(p.spool, b"\r\n.\r\nabc");
    assert!(p.outcome().is_complete());
    assert!(p
        .server_events
        .contains(&ServerEvent::MessageEnd { size: 8 }));
}

#[test]
fn lmtp_one_reply_per_recipient() {
    for chunking in [false, true] {
        let mut cfg = config();
        cfg.lmtp = true;
        cfg.chunking = chunking;
        let mut p = Pair::new(Client::lmtp("client.example.org").unwrap(), cfg);
        assert!(p.take_c2s().starts_with("LHLO client.example.org\r\n"));
        assert!(p.take_s2c().starts_with("220 mx.example.org LMTP\r\n"));
        let env = Envelope::new(
            "a@example.org",
            ["b@example.net", "nobody@example.net", "full@example.net"],
        );
        p.client
            .send_mail(&env, Bytes::from_static(b"hello\r\n"))
            .unwrap();
        p.run();
        let s2c = p.take_s2c();
        assert!(
            s2c.ends_with("250 2.0.0 Message accepted\r\n452 4.2.2 Mailbox full\r\n"),
            "{s2c}"
        );
        let o = p.outcome();
        assert_eq!(o.delivered().collect::<Vec<_>>(), ["b@example.net"]);
        assert_eq!(o.recipients[2].delivery.as_ref().unwrap().code(), 452);
        assert_eq!(o.recipients[1].delivery, None);
        assert!(p.client.is_idle(), "chunking {chunking}");
    }
}

fn auth_with(name: &str) -> Pair {
    let mut p = Pair::smtp(config());
    let creds = Credentials::new("tim", "secret");
    p.client
        .auth(sasl::mechanism_for(name, &creds).unwrap())
        .unwrap();
    p.take_c2s();
    p.take_s2c();
    p.run();
    p
}

#[test]
fn auth_plain_login_cram_md5() {
    let mut p = auth_with("PLAIN");
    assert_eq!(p.take_c2s(), "AUTH PLAIN AHRpbQBzZWNyZXQ=\r\n");
    assert_eq!(p.take_s2c(), "235 2.7.0 Authentication successful\r\n");
    assert!(matches!(p.last_client_event(), Event::Authenticated(_)));
    assert_eq!(p.server.authenticated(), Some("tim"));
    assert_eq!(
        p.server_events.last().unwrap(),
        &ServerEvent::Auth(AuthRequest::Plain {
            authzid: String::new(),
            user: "tim".into(),
            pass: "secret".into()
        })
    );

    let mut p = auth_with("LOGIN");
    assert_eq!(p.take_c2s(), "AUTH LOGIN\r\ndGlt\r\nc2VjcmV0\r\n");
    assert_eq!(
        p.take_s2c(),
        "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n"
    );
    assert!(matches!(p.last_client_event(), Event::Authenticated(_)));

    let mut p = auth_with("CRAM-MD5");
    // The challenge `<0.42@mx.example.org>`, and tim's digest of it.
    let mut expect = sasl::CramMd5::new("tim", "secret");
    use sasl::Mechanism;
    let answer = expect.step(b"<0.42@mx.example.org>").unwrap();
    assert_eq!(
        p.take_c2s(),
        format!(
            "AUTH CRAM-MD5\r\n{}\r\n",
            String::from_utf8(sasl::encode_line(&answer)).unwrap()
        )
    );
    assert!(p
        .take_s2c()
        .starts_with("334 PDAuNDJAbXguZXhhbXBsZS5vcmc+\r\n"));
    assert!(matches!(p.last_client_event(), Event::Authenticated(_)));
}

#[test]
fn auth_wire_starts_right() {
    let mut p = Pair::smtp(config());
    p.take_c2s();
    p.take_s2c();
    p.client
        .auth(sasl::mechanism_for("LOGIN", &Credentials::new("tim", "x")).unwrap())
        .unwrap();
    assert_eq!(p.client.outbox().to_vec(), b"AUTH LOGIN\r\n");
    p.run();
    assert_eq!(p.take_c2s(), "AUTH LOGIN\r\ndGlt\r\neA==\r\n");
    assert_eq!(
        p.take_s2c(),
        "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n535 5.7.8 Bad credentials\r\n"
    );
    assert!(matches!(p.last_client_event(), Event::AuthFailed(r) if r.code() == 535));
    assert_eq!(p.server.authenticated(), None);

    let mut p = Pair::smtp(config());
    p.take_c2s();
    assert_eq!(
        p.client.login(&Credentials::new("tim", "secret")).unwrap(),
        "CRAM-MD5"
    );
    assert_eq!(p.client.outbox().to_vec(), b"AUTH CRAM-MD5\r\n");
    p.run();
    assert!(matches!(p.last_client_event(), Event::Authenticated(_)));

    let mut p = Pair::smtp(config());
    p.take_c2s();
    p.client
        .auth(sasl::mechanism_for("PLAIN", &Credentials::new("tim", "secret")).unwrap())
        .unwrap();
    assert_eq!(
        p.client.outbox().to_vec(),
        b"AUTH PLAIN AHRpbQBzZWNyZXQ=\r\n"
    );
}

#[test]
fn auth_not_offered_without_tls_by_default() {
    let mut cfg = config();
    cfg.allow_plaintext_auth = false;
    let p = Pair::smtp(cfg);
    let Event::Ready { caps } = p.last_client_event() else {
        panic!()
    };
    assert!(caps.auth().next().is_none());
}

/// A mechanism that cannot answer any challenge (as with one that is not
/// base64): the client cancels with `*`.
struct CannotAnswer;

impl sasl::Mechanism for CannotAnswer {
    fn name(&self) -> &'static str {
        "LOGIN"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, sasl::SaslError> {
        Ok(None)
    }

    fn step(&mut self, _challenge: &[u8]) -> Result<Vec<u8>, sasl::SaslError> {
        Err(sasl::SaslError::UnexpectedChallenge)
    }
}

#[test]
fn a_cancelled_auth_is_told_from_a_refused_one() {
    let mut p = Pair::smtp(config());
    p.take_c2s();
    p.client.auth(Box::new(CannotAnswer)).unwrap();
    p.run();
    assert_eq!(p.take_c2s(), "AUTH LOGIN\r\n*\r\n");
    assert!(matches!(p.last_client_event(), Event::AuthFailed(_)));
    assert!(p.client.auth_cancelled());
    // A refusal of real credentials is no cancel.
    p.client
        .auth(sasl::mechanism_for("PLAIN", &Credentials::new("tim", "wrong")).unwrap())
        .unwrap();
    p.run();
    assert!(matches!(p.last_client_event(), Event::AuthFailed(_)));
    assert!(!p.client.auth_cancelled());
}

#[test]
fn single_commands() {
    let mut p = Pair::smtp(config());
    p.take_c2s();
    p.take_s2c();
    for (call, verb) in [
        (0, Verb::Noop),
        (1, Verb::Rset),
        (2, Verb::Vrfy),
        (3, Verb::Help),
        (4, Verb::Quit),
    ] {
        match call {
            0 => p.client.noop(),
            1 => p.client.rset(),
            2 => p.client.vrfy("postmaster"),
            3 => p.client.help(None),
            _ => p.client.quit(),
        }
        .unwrap();
        p.run();
        assert!(matches!(p.last_client_event(), Event::Reply { command, .. } if *command == verb));
    }
    assert_eq!(
        p.take_c2s(),
        "NOOP\r\nRSET\r\nVRFY postmaster\r\nHELP\r\nQUIT\r\n"
    );
    assert_eq!(
        p.take_s2c(),
        "250 2.0.0 OK\r\n250 2.0.0 Reset\r\n\
252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery\r\n\
214 2.0.0 See RFC 5321\r\n221 2.0.0 Bye\r\n"
    );
    assert!(p.client.is_closed() && p.server.is_closed());
    assert_eq!(p.server_events.last(), Some(&ServerEvent::Quit));
}

#[test]
fn helo_fallback() {
    let mut c = Client::new("client.example.org").unwrap();
    c.receive(b"220 old.example.org\r\n");
    assert!(matches!(
        c.poll_event().unwrap(),
        Next::Event(Event::Greeting(_))
    ));
    assert_eq!(c.outbox().take_vec(), b"EHLO client.example.org\r\n");
    c.receive(b"502 what?\r\n");
    assert_eq!(c.poll_event().unwrap(), Next::NeedInput);
    assert_eq!(c.outbox().take_vec(), b"HELO client.example.org\r\n");
    c.receive(b"250 old.example.org\r\n");
    let Next::Event(Event::Ready { caps }) = c.poll_event().unwrap() else {
        panic!()
    };
    assert!(!caps.extended && !caps.pipelining);
    assert_eq!(caps.domain(), "old.example.org");
}

#[test]
fn greeting_refused_is_an_error() {
    let mut c = Client::new("client.example.org").unwrap();
    c.receive(b"554 5.7.1 no thanks\r\n");
    let e = c.poll_event().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Refused { code: 554 });
    assert_eq!(e.reply().map(|r| r.code()), Some(554));
    // Sticky.
    assert_eq!(c.poll_event().unwrap_err(), e);
}

fn tls_config() -> ServerConfig {
    let mut c = config();
    c.starttls = true;
    c.allow_plaintext_auth = false;
    c
}

#[test]
fn starttls_then_ehlo_again() {
    let mut p = Pair::smtp(tls_config());
    let Event::Ready { caps } = p.last_client_event().clone() else {
        panic!()
    };
    assert!(caps.starttls && caps.auth().next().is_none());
    p.take_c2s();
    p.client.starttls().unwrap();
    p.run();
    assert_eq!(p.last_client_event(), &Event::StartTls);
    assert_eq!(p.server_events.last(), Some(&ServerEvent::StartTls));
    assert_eq!(p.client.transport(), Transport::StartTls);
    assert_eq!(p.server.transport(), Transport::StartTls);
    assert_eq!(p.client.capabilities(), Some(&caps));
    // The handshake happens here.
    p.server.tls_established();
    p.client.tls_established();
    assert_eq!(p.client.capabilities(), None);
    p.run();
    assert_eq!(p.take_c2s(), "STARTTLS\r\nEHLO client.example.org\r\n");
    let Event::Ready { caps } = p.last_client_event() else {
        panic!()
    };
    assert!(!caps.starttls);
    assert_eq!(
        caps.auth().collect::<Vec<_>>(),
        ["PLAIN", "LOGIN", "CRAM-MD5"]
    );
    assert!(p.client.is_tls() && p.server.is_tls());
    assert_eq!(
        p.client.starttls(),
        Err(ErrorKind::OutOfSequence("TLS is already active").into())
    );
}

#[test]
fn client_refuses_plaintext_behind_starttls_go_ahead() {
    // In the same read as the 220.
    let mut p = Pair::smtp(tls_config());
    p.client.starttls().unwrap();
    let out = p.client.outbox().take_vec();
    assert_eq!(out, b"STARTTLS\r\n");
    p.client
        .receive(b"220 2.0.0 go\r\n250-evil\r\n250 AUTH PLAIN\r\n");
    assert_eq!(
        p.client.poll_event(),
        Err(ErrorKind::PlaintextAfterUpgrade.into())
    );
    assert_eq!(
        p.client.poll_event(),
        Err(ErrorKind::PlaintextAfterUpgrade.into())
    );
    assert!(p.client.outbox().is_empty());

    // After the 220, before the handshake ended.
    let mut p = Pair::smtp(tls_config());
    p.client.starttls().unwrap();
    p.client.outbox().take_vec();
    p.client.receive(b"220 2.0.0 go\r\n");
    assert_eq!(p.client.poll_event(), Ok(Next::Event(Event::StartTls)));
    p.client.receive(b"250 injected\r\n");
    p.client.tls_established();
    assert_eq!(
        p.client.poll_event(),
        Err(ErrorKind::PlaintextAfterUpgrade.into())
    );
    assert!(p.client.outbox().is_empty(), "no EHLO sent");
}

#[test]
fn server_refuses_commands_pipelined_behind_starttls() {
    let mut s = Server::new(tls_config()).unwrap();
    s.outbox().take_vec();
    s.receive(b"EHLO c.example.org\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Hello { .. }))
    ));
    s.outbox().take_vec();
    s.receive(b"STARTTLS\r\nMAIL FROM:<a@b.example>\r\n");
    assert_eq!(s.poll_event(), Err(ErrorKind::PlaintextAfterUpgrade.into()));
    assert!(s.outbox().is_empty(), "no 220 for an injected STARTTLS");

    let mut s = Server::new(tls_config()).unwrap();
    s.receive(b"EHLO c.example.org\r\nSTARTTLS\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Hello { .. }))
    ));
    assert_eq!(s.poll_event(), Ok(Next::Event(ServerEvent::StartTls)));
    assert!(s
        .outbox()
        .take_vec()
        .ends_with(b"220 2.0.0 Ready to start TLS\r\n"));
    s.receive(b"MAIL FROM:<a@b.example>\r\n");
    assert_eq!(s.poll_event(), Err(ErrorKind::PlaintextAfterUpgrade.into()));
}

#[test]
fn server_sequence_syntax_and_limits() {
    let mut cfg = config();
    cfg.limits.recipients = 1;
    cfg.limits.message_size = 10;
    let mut s = Server::new(cfg).unwrap();
    s.outbox().take_vec();
    let answer = |s: &mut Server, input: &[u8]| -> String {
        s.receive(input);
        while let Ok(Next::Event(e)) = s.poll_event() {
            if matches!(e, ServerEvent::MailFrom { .. } | ServerEvent::RcptTo { .. }) {
                s.accept().unwrap();
            }
        }
        String::from_utf8(s.outbox().take_vec()).unwrap()
    };
    assert_eq!(
        answer(&mut s, b"MAIL FROM:<a@b.example>\r\n"),
        "503 5.5.1 Send EHLO first\r\n"
    );
    answer(&mut s, b"HELO c\r\n");
    assert_eq!(
        answer(&mut s, b"FOO\r\n"),
        "500 5.5.2 command unrecognized\r\n"
    );
    assert_eq!(
        answer(&mut s, b"RCPT TO:<x@y.z>\r\n"),
        "503 5.5.1 Need MAIL before RCPT\r\n"
    );
    assert_eq!(
        answer(&mut s, b"DATA\r\n"),
        "503 5.5.1 Need MAIL and RCPT first\r\n"
    );
    assert_eq!(
        answer(&mut s, b"MAIL FROM:<a@b.example> SIZE=11\r\n"),
        "552 5.3.4 Message size exceeds fixed limit\r\n"
    );
    assert_eq!(
        answer(&mut s, b"MAIL FROM:<a@b.example> X-FOO=1\r\n"),
        "555 5.5.4 Parameter not recognized or not implemented\r\n"
    );
    assert_eq!(
        answer(&mut s, b"MAIL FROM:<a b@b.example>\r\n"),
        "501 5.5.4 bad sender address\r\n"
    );
    assert_eq!(
        answer(&mut s, b"MAIL FROM:<a@b.example>\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
    assert_eq!(
        answer(&mut s, b"MAIL FROM:<a@b.example>\r\n"),
        "503 5.5.1 Nested MAIL command\r\n"
    );
    assert_eq!(
        answer(&mut s, b"DATA\r\n"),
        "554 5.5.1 No valid recipients\r\n"
    );
    assert_eq!(
        answer(&mut s, b"RCPT TO:<x@y.z>\r\n"),
        "250 2.1.5 Recipient OK\r\n"
    );
    assert_eq!(
        answer(&mut s, b"RCPT TO:<w@y.z>\r\n"),
        "452 4.5.3 Too many recipients\r\n"
    );
    // Too big: read to the end, then 552; the session goes on.
    assert_eq!(
        answer(&mut s, b"DATA\r\n0123456789abc\r\n.\r\nNOOP\r\n"),
        "354 End data with <CR><LF>.<CR><LF>\r\n552 5.3.4 Message size exceeds fixed limit\r\n250 2.0.0 OK\r\n"
    );
    // A command line over 512 octets: skipped, 500, and on.
    let long = format!("NOOP {}\r\nNOOP\r\n", "x".repeat(600));
    assert_eq!(
        answer(&mut s, long.as_bytes()),
        "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n"
    );
}

#[test]
fn server_rejects_bare_lf_in_data() {
    let mut s = Server::new(config()).unwrap();
    s.outbox().take_vec();
    s.receive(
        b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.z>\r\nDATA\r\nok\r\nbad\nline\r\n.\r\nNOOP\r\n",
    );
    let mut events = Vec::new();
    while let Ok(Next::Event(e)) = s.poll_event() {
        if matches!(e, ServerEvent::MailFrom { .. } | ServerEvent::RcptTo { .. }) {
            s.accept().unwrap();
        }
        events.push(e);
    }
    let out = String::from_utf8(s.outbox().take_vec()).unwrap();
    assert!(
        out.ends_with(
            "354 End data with <CR><LF>.<CR><LF>\r\n\
550 5.6.0 Bare <LF> received; lines must end with <CR><LF>\r\n250 2.0.0 OK\r\n"
        ),
        "{out}"
    );
    assert!(matches!(events.last(), Some(ServerEvent::MessageRejected(r)) if r.code() == 550));
    assert!(!events
        .iter()
        .any(|e| matches!(e, ServerEvent::MessageEnd { .. })));
}

#[test]
fn server_pauses_for_decisions_and_answers_in_order() {
    let mut s = Server::new(config()).unwrap();
    s.outbox().take_vec();
    s.receive(b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.z>\r\nNOOP\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Hello { .. }))
    ));
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::MailFrom { .. }))
    ));
    assert_eq!(s.poll_event(), Ok(Next::Paused));
    assert_eq!(s.accept(), Ok(()));
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::RcptTo { .. }))
    ));
    s.reject(Reply::new(550, Some("5.1.1"), "no").unwrap())
        .unwrap();
    assert_eq!(s.poll_event(), Ok(Next::NeedInput));
    assert!(String::from_utf8(s.outbox().take_vec())
        .unwrap()
        .ends_with("250 2.1.0 Sender OK\r\n550 5.1.1 no\r\n250 2.0.0 OK\r\n"));
    assert_eq!(
        s.accept(),
        Err(ErrorKind::OutOfSequence("nothing to accept").into())
    );
    assert!(s.reject(Reply::new(250, None, "fine").unwrap()).is_err());
}

#[test]
fn message_in_parts_is_stuffed_across_part_boundaries() {
    for chunking in [false, true] {
        let mut p = Pair::smtp(config());
        p.client.set_prefer_chunking(chunking);
        p.take_c2s();
        let env = Envelope::new("a@example.org", ["b@example.net"]);
        let parts = vec![
            Bytes::from_static(b"Subject: x\r\n\r\nline\r"),
            Bytes::from_static(b"\n.\r\n"),
            Bytes::from_static(b".last"),
        ];
        p.client
            .send_mail(&env, sanswire::smtp::Message::from(parts))
            .unwrap();
        p.run();
        let sent = p.take_c2s();
        if chunking {
            assert!(sent.ends_with(
                "BDAT 19\r\nSubject: x\r\n\r\nline\rBDAT 4\r\n\n.\r\nBDAT 5 LAST\r\n.last"
            ));
            assert_eq!(p.spool, b"Subject: x\r\n\r\nline\r\n.\r\n.last");
        } else {
            assert!(sent.ends_with("DATA\r\nSubject: x\r\n\r\nline\r\n..\r\n..last\r\n.\r\n"));
            assert_eq!(p.spool, b"Subject: x\r\n\r\nline\r\n.\r\n.last\r\n");
        }
        assert!(p.outcome().is_complete());
    }
}

#[test]
fn unsupported_extensions_are_refused_locally() {
    let mut p = Pair::smtp(no_pipelining());
    p.take_c2s();
    let mut env = Envelope::new("a@example.org", ["b@example.net"]);
    env.params.envid = Some("x".into());
    assert_eq!(
        p.client.send_mail(&env, Bytes::new()),
        Err(ErrorKind::NotOffered("DSN").into())
    );
    env.params.envid = None;
    env.params.body = Some(sanswire::smtp::Body::BinaryMime);
    assert_eq!(
        p.client.send_mail(&env, Bytes::new()),
        Err(ErrorKind::NotOffered("BINARYMIME").into())
    );
    assert_eq!(
        p.client.starttls(),
        Err(
            ErrorKind::TlsUnavailable(sanswire::wire::TlsUnavailable::NotOffered {
                command: "STARTTLS"
            })
            .into()
        )
    );
    assert!(p.client.outbox().is_empty());
    // Busy: one call at a time.
    p.client.noop().unwrap();
    assert_eq!(
        p.client.noop(),
        Err(ErrorKind::OutOfSequence("the client is not idle").into())
    );
}

#[test]
fn client_cancels_an_exchange_it_cannot_answer() {
    let mut c = Client::new("c.example.org").unwrap();
    c.receive(b"220 mx\r\n250-mx\r\n250 AUTH CRAM-MD5\r\n");
    while let Ok(Next::Event(_)) = c.poll_event() {}
    c.outbox().take_vec();
    assert_eq!(c.login(&Credentials::new("tim", "pw")), Ok("CRAM-MD5"));
    assert_eq!(c.outbox().take_vec(), b"AUTH CRAM-MD5\r\n");
    c.receive(b"334 not base64!\r\n");
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    assert_eq!(c.outbox().take_vec(), b"*\r\n");
    c.receive(b"501 5.7.0 cancelled\r\n");
    assert!(matches!(c.poll_event(), Ok(Next::Event(Event::AuthFailed(r))) if r.code() == 501));
    assert!(c.is_idle());
}

#[test]
fn server_auth_cancel_and_malformed_responses() {
    let mut s = Server::new(config()).unwrap();
    s.set_nonce(1);
    s.outbox().take_vec();
    s.receive(
        b"EHLO c\r\nAUTH PLAIN\r\n*\r\nAUTH PLAIN\r\n!!\r\nAUTH PLAIN dGlt\r\nAUTH GSSAPI\r\n",
    );
    while let Ok(Next::Event(_)) = s.poll_event() {}
    let out = String::from_utf8(s.outbox().take_vec()).unwrap();
    let tail = out
        .split_once("250 AUTH PLAIN LOGIN CRAM-MD5\r\n")
        .unwrap()
        .1;
    assert_eq!(
        tail,
        "334 \r\n501 5.7.0 Authentication cancelled\r\n\
334 \r\n501 5.5.2 Response is not base64\r\n\
501 5.5.2 Malformed authentication response\r\n\
504 5.5.4 Unrecognized authentication type\r\n"
    );
}

#[test]
fn server_data_line_limit_is_fatal() {
    let mut cfg = config();
    cfg.limits.text_line = 20;
    let mut s = Server::new(cfg).unwrap();
    s.receive(b"HELO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.z>\r\nDATA\r\n");
    loop {
        match s.poll_event().unwrap() {
            Next::Event(ServerEvent::MailFrom { .. } | ServerEvent::RcptTo { .. }) => {
                s.accept().unwrap()
            }
            Next::Event(_) => {}
            _ => break,
        }
    }
    s.outbox().take_vec();
    s.receive(&[b'x'; 30]);
    assert_eq!(
        s.poll_event(),
        Err((ErrorKind::LineTooLong { limit: 20 }).into())
    );
    assert_eq!(s.outbox().take_vec(), b"500 5.5.2 Line too long\r\n");
    assert_eq!(
        s.poll_event(),
        Err((ErrorKind::LineTooLong { limit: 20 }).into())
    );
}

#[test]
fn a_421_ends_what_is_in_flight() {
    let mut c = Client::new("c.example.org").unwrap();
    c.receive(b"220 mx\r\n250-mx\r\n250 PIPELINING\r\n");
    while let Ok(Next::Event(_)) = c.poll_event() {}
    let env = Envelope::new("a@example.org", ["b@example.net", "c@example.net"]);
    c.send_mail(&env, Bytes::from_static(b"x\r\n")).unwrap();
    c.outbox().take_vec();
    c.receive(b"250 ok\r\n421 4.3.2 shutting down\r\n");
    let Ok(Next::Event(Event::MailSent(o))) = c.poll_event() else {
        panic!()
    };
    assert_eq!(o.reply.code(), 421);
    assert_eq!(o.delivered().count(), 0);
    assert!(c.is_closed());
    assert!(c.outbox().is_empty(), "no RSET to a closing server");
}

#[test]
fn all_recipients_required_sends_nothing_after_a_refusal() {
    for (cfg, chunking) in [
        (config(), false),
        (config(), true),
        (no_pipelining(), false),
    ] {
        let mut p = Pair::smtp(cfg);
        p.client.set_prefer_chunking(chunking);
        p.client.set_all_recipients_required(true);
        p.take_c2s();
        let env = Envelope::new("a@example.org", ["bob@example.net", "nobody@example.net"]);
        p.client
            .send_mail(&env, Bytes::from_static(b"x\r\n"))
            .unwrap();
        // With PIPELINING, MAIL and the RCPTs go at once; the message waits.
        let first = p.client.outbox().to_vec();
        assert!(!first.ends_with(b"DATA\r\n") && !first.ends_with(b"x\r\n"));
        p.run();
        let sent = p.take_c2s();
        assert!(
            sent.ends_with("RCPT TO:<nobody@example.net>\r\nRSET\r\n"),
            "{sent}"
        );
        assert!(p.spool.is_empty());
        let o = p.outcome();
        assert_eq!(o.delivered().count(), 0);
        assert_eq!(o.reply.to_string(), "550 5.1.1 No such user");
        assert!(p.client.is_idle());
    }
    // Everyone accepted: the message follows the RCPT replies.
    for chunking in [false, true] {
        let mut p = Pair::smtp(config());
        p.client.set_prefer_chunking(chunking);
        p.client.set_all_recipients_required(true);
        let env = Envelope::new("a@example.org", ["bob@example.net", "carol@example.net"]);
        p.client
            .send_mail(&env, Bytes::from_static(b".x\r\n"))
            .unwrap();
        p.run();
        assert_eq!(p.spool, b".x\r\n");
        assert!(p.outcome().is_complete());
    }
}

/// CRAM-MD5 needs a challenge that never repeats, and the machine has no
/// randomness: until the application sets a nonce, the mechanism is
/// neither listed nor accepted.
#[test]
fn cram_md5_waits_for_a_nonce() {
    let mut config = ServerConfig::new("mx.example.org");
    config.auth = vec![AuthMechanism::Plain, AuthMechanism::CramMd5];
    config.allow_plaintext_auth = true;
    let run = |nonce: Option<u64>| {
        let mut s = Server::new(config.clone()).unwrap();
        if let Some(n) = nonce {
            s.set_nonce(n);
        }
        s.receive(b"EHLO c\r\nAUTH CRAM-MD5\r\n");
        while let Ok(Next::Event(_)) = s.poll_event() {}
        String::from_utf8(s.outbox().take_vec()).unwrap()
    };
    let without = run(None);
    assert!(without.contains("250 AUTH PLAIN\r\n"), "{without}");
    assert!(
        without.ends_with("504 5.5.4 Unrecognized authentication type\r\n"),
        "{without}"
    );
    let with = run(Some(7));
    assert!(with.contains("250 AUTH PLAIN CRAM-MD5\r\n"), "{with}");
    assert!(with.lines().last().unwrap().starts_with("334 "), "{with}");
}
