//! In-memory FTP conversations: the client machine against scripted
//! server bytes, the server machine against scripted client bytes, and
//! the two machines against each other with in-memory data connections.

use bytes::Bytes;
use sanswire::ftp::{
    Client, DataEndpoint, DataPlan, DataTarget, ErrorKind, Event, Reply, Server, ServerEvent,
    TransferError, TransferType, Verb,
};
use sanswire::wire::{Machine, Next, Raw, RawEvent};

fn greeted() -> Client {
    let mut c = Client::new();
    c.receive(b"220-Welcome to the test\r\n  an odd line\r\n220 ready\r\n");
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(Event::Greeting(_)))
    ));
    // Binary first: transfers then go straight to EPSV.
    c.set_type(TransferType::Image).unwrap();
    c.receive(b"200 Binary\r\n");
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(Event::Reply { .. }))
    ));
    c.outbox().take_vec();
    c
}

fn next(c: &mut Client) -> Event {
    match c.poll_event() {
        Ok(Next::Event(e)) => e,
        other => panic!("expected an event, got {other:?}"),
    }
}

fn sent(c: &mut Client) -> String {
    String::from_utf8(c.outbox().take_vec()).unwrap()
}

#[test]
fn login_feat_pwd_and_single_commands() {
    let mut c = greeted();
    c.login("alice", "s3cret", None).unwrap();
    assert_eq!(sent(&mut c), "USER alice\r\n");
    c.receive(b"331 Password required\r\n");
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    assert_eq!(sent(&mut c), "PASS s3cret\r\n");
    c.receive(b"230 Logged in\r\n");
    assert!(matches!(next(&mut c), Event::LoggedIn(_)));
    c.feat().unwrap();
    c.receive(b"211-Extensions supported:\r\n EPSV\r\n MDTM\r\n SIZE\r\n MLST type*;size*;modify*;\r\n UTF8\r\n211 END\r\n");
    let Event::Features(f) = next(&mut c) else {
        panic!()
    };
    assert!(f.epsv && f.mdtm && f.size && f.utf8 && !f.auth_tls);
    assert!(c.features().unwrap().mlst.is_some());
    c.pwd().unwrap();
    c.receive(b"257 \"/with \"\"quotes\"\"\" is current\r\n");
    let Event::Directory { path, .. } = next(&mut c) else {
        panic!()
    };
    assert_eq!(path, "/with \"quotes\"");
    c.size("big.iso").unwrap();
    c.receive(b"213 4294967296\r\n");
    assert_eq!(next(&mut c), Event::Size(4_294_967_296));
    c.mdtm("big.iso").unwrap();
    c.receive(b"213 20240102030405\r\n");
    let Event::Modified(t) = next(&mut c) else {
        panic!()
    };
    assert_eq!((t.year, t.month, t.day, t.hour), (2024, 1, 2, 3));
    c.rename("a", "b c").unwrap();
    assert_eq!(
        sent(&mut c),
        "FEAT\r\nPWD\r\nSIZE big.iso\r\nMDTM big.iso\r\nRNFR a\r\n"
    );
    c.receive(b"350 ready\r\n");
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    assert_eq!(sent(&mut c), "RNTO b c\r\n");
    c.receive(b"250 renamed\r\n");
    assert!(matches!(
        next(&mut c),
        Event::Reply {
            command: Verb::Rename,
            ..
        }
    ));
    c.size("missing").unwrap();
    c.receive(b"550 No such file\r\n");
    let Event::Reply {
        command: Verb::Size,
        reply,
    } = next(&mut c)
    else {
        panic!()
    };
    assert_eq!(reply.code(), 550);
    // Every one of the rest, by its verb.
    for (call, line) in [
        (Client::syst as fn(&mut Client) -> _, "SYST"),
        (Client::cdup, "CDUP"),
        (Client::noop, "NOOP"),
        (Client::mode_stream, "MODE S"),
        (Client::stru_file, "STRU F"),
        (Client::utf8_on, "OPTS UTF8 ON"),
    ] {
        sent(&mut c);
        call(&mut c).unwrap();
        assert_eq!(sent(&mut c), format!("{line}\r\n"));
        c.receive(b"200 ok\r\n");
        assert!(matches!(next(&mut c), Event::Reply { .. }));
    }
    c.set_type(TransferType::Ascii).unwrap();
    assert_eq!(sent(&mut c), "TYPE A\r\n");
    c.receive(b"200 ok\r\n");
    next(&mut c);
    c.quit().unwrap();
    c.receive(b"221 bye\r\n");
    assert!(matches!(
        next(&mut c),
        Event::Reply {
            command: Verb::Quit,
            ..
        }
    ));
    assert!(c.is_closed());
}

#[test]
fn anonymous_login_refused_and_acct() {
    let mut c = greeted();
    c.login("anonymous", "guest@", Some("acct1")).unwrap();
    c.receive(b"331 send pass\r\n");
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    c.receive(b"332 need account\r\n");
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    assert_eq!(
        sent(&mut c),
        "USER anonymous\r\nPASS guest@\r\nACCT acct1\r\n"
    );
    c.receive(b"230 ok\r\n");
    assert!(matches!(next(&mut c), Event::LoggedIn(_)));
    let mut c = greeted();
    c.login("bob", "bad", None).unwrap();
    c.receive(b"331 pass\r\n530 Login incorrect\r\n");
    assert!(matches!(next(&mut c), Event::LoginRefused(r) if r.code() == 530));
    assert!(c.is_idle(), "a refusal leaves the session usable");
}

/// A call of the client machine, boxed to try each the same way.
type Call = Box<dyn Fn(&mut Client) -> Result<sanswire::wire::CommandId, sanswire::ftp::Error>>;

#[test]
fn arguments_that_smuggle_lines_are_refused_and_nothing_is_sent() {
    let mut c = greeted();
    for bad in ["a\r\nDELE b", "a\nb", "a\0b"] {
        let calls: [Call; 8] = [
            Box::new(move |c: &mut Client| c.cwd(bad)),
            Box::new(move |c: &mut Client| c.dele(bad)),
            Box::new(move |c: &mut Client| c.retr(bad)),
            Box::new(move |c: &mut Client| c.stor(bad)),
            Box::new(move |c: &mut Client| c.list(Some(bad))),
            Box::new(move |c: &mut Client| c.rename("ok", bad)),
            Box::new(move |c: &mut Client| c.login("u", bad, None)),
            Box::new(move |c: &mut Client| c.site(bad)),
        ];
        for call in calls {
            let e = call(&mut c).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::UnsafeArgument);
            assert!(c.outbox().is_empty());
            assert!(c.is_idle());
        }
    }
}

/// Plans a passive RETR and connects: the command is on the wire.
fn passive_retr(c: &mut Client) {
    c.retr("file.bin").unwrap();
    assert_eq!(sent(c), "EPSV\r\n");
    c.receive(b"229 Entering Extended Passive Mode (|||40000|)\r\n");
    assert_eq!(
        next(c),
        Event::Data(DataPlan::Connect(DataTarget::Peer { port: 40000 }))
    );
    c.data_ready().unwrap();
    assert_eq!(sent(c), "RETR file.bin\r\n");
}

#[test]
fn final_reply_before_the_data_end() {
    let mut c = greeted();
    passive_retr(&mut c);
    c.receive(b"150 Opening\r\n226 Transfer complete\r\n");
    assert!(matches!(next(&mut c), Event::TransferStarted(_)));
    // The 226 is kept: the data side has not finished.
    assert_eq!(c.poll_event(), Ok(Next::Paused));
    assert!(c.in_transfer() && !c.is_idle());
    c.data_finished().unwrap();
    assert!(matches!(next(&mut c), Event::TransferDone(r) if r.code() == 226));
    assert!(c.is_idle());
}

#[test]
fn data_end_before_the_preliminary_and_final_replies() {
    let mut c = greeted();
    passive_retr(&mut c);
    c.data_finished().unwrap();
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    c.receive(b"150 Opening\r\n");
    assert!(matches!(next(&mut c), Event::TransferStarted(_)));
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    c.receive(b"226 done\r\n");
    assert!(matches!(next(&mut c), Event::TransferDone(_)));
}

#[test]
fn transfer_failures_are_typed() {
    for (code, kind) in [
        (425, TransferError::CannotOpen),
        (426, TransferError::Aborted),
        (451, TransferError::LocalError),
        (550, TransferError::Unavailable),
    ] {
        let mut c = greeted();
        passive_retr(&mut c);
        if code == 426 || code == 451 {
            c.receive(b"150 go\r\n");
            next(&mut c);
        }
        c.receive(format!("{code} failed\r\n").as_bytes());
        let Event::TransferFailed(r) = next(&mut c) else {
            panic!()
        };
        assert_eq!(TransferError::from_code(r.code()), Some(kind));
        assert!(c.is_idle(), "{code}: the session goes on");
    }
}

#[test]
fn epsv_refused_falls_back_to_pasv_whose_host_is_ignored() {
    let mut c = greeted();
    c.list(None).unwrap();
    // Listings go in TYPE A, sent first when the server is in another type.
    assert_eq!(sent(&mut c), "TYPE A\r\n");
    c.receive(b"200 ASCII\r\n");
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    assert_eq!(sent(&mut c), "EPSV\r\n");
    c.receive(b"500 EPSV not understood\r\n");
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    assert_eq!(sent(&mut c), "PASV\r\n");
    // A server naming another host (CVE-2021-4189): only the port is used.
    c.receive(b"227 Entering Passive Mode (10,1,2,3,156,64).\r\n");
    assert_eq!(
        next(&mut c),
        Event::Data(DataPlan::Connect(DataTarget::Peer { port: 40000 }))
    );
    c.data_ready().unwrap();
    c.receive(b"150 here\r\n226 done\r\n");
    next(&mut c);
    c.data_finished().unwrap();
    next(&mut c);
    // EPSV is not tried again on this connection.
    c.nlst(None).unwrap();
    assert_eq!(sent(&mut c), "LIST\r\nPASV\r\n");
    // Trusting the host is a setting.
    let mut c = greeted();
    c.set_trust_pasv_host(true);
    c.set_epsv(false);
    c.mlsd(Some("dir")).unwrap();
    c.receive(b"200 ASCII\r\n227 =10,1,2,3,0,21\r\n");
    assert_eq!(
        next(&mut c),
        Event::Data(DataPlan::Connect(DataTarget::Addr(
            "10.1.2.3:21".parse().unwrap()
        )))
    );
}

#[test]
fn active_mode_eprt_then_port_and_rest() {
    let mut c = greeted();
    c.set_active(None);
    c.retr_from("big", 1000).unwrap();
    assert!(c.outbox().is_empty());
    assert_eq!(next(&mut c), Event::Data(DataPlan::Listen));
    c.data_listening("127.0.0.1:50000".parse().unwrap())
        .unwrap();
    assert_eq!(sent(&mut c), "EPRT |1|127.0.0.1|50000|\r\n");
    c.receive(b"500 EPRT unknown\r\n");
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    assert_eq!(sent(&mut c), "PORT 127,0,0,1,195,80\r\n");
    c.receive(b"200 PORT ok\r\n350 Restarting at 1000\r\n");
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    assert_eq!(sent(&mut c), "REST 1000\r\nRETR big\r\n");
    c.receive(b"150 connecting\r\n");
    assert!(matches!(next(&mut c), Event::TransferStarted(_)));
}

#[test]
fn abort_a_started_transfer() {
    let mut c = greeted();
    passive_retr(&mut c);
    c.receive(b"150 go\r\n");
    next(&mut c);
    c.abort().unwrap();
    assert_eq!(sent(&mut c), "ABOR\r\n");
    c.receive(b"426 Transfer aborted\r\n");
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    c.receive(b"226 ABOR successful\r\n");
    assert!(matches!(next(&mut c), Event::Aborted(r) if r.code() == 226));
    assert!(c.is_idle());
}

#[test]
fn a_421_ends_whatever_was_in_flight() {
    let mut c = greeted();
    c.noop().unwrap();
    c.receive(b"421-Service closing\r\n421 Timeout\r\n");
    assert!(matches!(
        next(&mut c),
        Event::Reply {
            command: Verb::Closing,
            ..
        }
    ));
    assert!(c.is_closed());
    // A refused greeting is the machine's error.
    let mut c = Client::new();
    c.receive(b"421 Too many users\r\n");
    assert_eq!(c.poll_event().unwrap_err().kind(), ErrorKind::Refused);
}

#[test]
fn a_malformed_reply_is_an_error_and_the_framer_is_bounded() {
    let mut c = greeted();
    c.noop().unwrap();
    c.receive(b"hello\r\n");
    assert_eq!(
        c.poll_event().unwrap_err().kind(),
        ErrorKind::MalformedReply
    );
    let mut c = greeted();
    c.noop().unwrap();
    c.receive(&vec![b'2'; 20_000]);
    assert_eq!(c.poll_event().unwrap_err().kind(), ErrorKind::LineTooLong);
}

// ---- the server ----

fn logged_in_server() -> Server {
    let mut s = Server::new("test").unwrap();
    s.set_peer("127.0.0.1".parse().unwrap());
    s.outbox().take_vec();
    s.receive(b"USER alice\r\nPASS pw\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Login { .. }))
    ));
    s.accept_login(true).unwrap();
    s.outbox().take_vec();
    s
}

fn served(s: &mut Server) -> String {
    String::from_utf8(s.outbox().take_vec()).unwrap()
}

#[test]
fn server_login_state_and_its_own_answers() {
    let mut s = Server::new("hi").unwrap();
    assert_eq!(served(&mut s), "220 hi\r\n");
    s.receive(b"PASS x\r\nLIST\r\nNOOP\r\nFEAT\r\nBOGUS1 x\r\n\r\nUSER a\r\n");
    assert_eq!(s.poll_event(), Ok(Next::NeedInput));
    let out = served(&mut s);
    assert!(
        out.starts_with("503 Login with USER first.\r\n530 Please login"),
        "{out}"
    );
    assert!(out.contains("211-Features:\r\n EPRT\r\n"));
    assert!(out.contains("500 Unknown command.\r\n500 Unknown command.\r\n331 "));
    s.receive(b"PASS wrong\r\n");
    let Ok(Next::Event(ServerEvent::Login { user, pass })) = s.poll_event() else {
        panic!()
    };
    assert_eq!((user.as_str(), pass.as_str()), ("a", "wrong"));
    s.accept_login(false).unwrap();
    assert_eq!(served(&mut s), "530 Login incorrect.\r\n");
}

#[test]
fn server_transfer_sequencing_passive_and_active() {
    let mut s = logged_in_server();
    s.receive(b"RETR x\r\n");
    assert_eq!(s.poll_event(), Ok(Next::NeedInput));
    assert_eq!(served(&mut s), "425 Use PORT or PASV first.\r\n");
    s.receive(b"TYPE A\r\nEPSV\r\nREST 7\r\nRETR x\r\n");
    assert_eq!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Passive { extended: true }))
    );
    // REST and RETR wait while the application decides.
    assert_eq!(s.poll_event(), Ok(Next::Paused));
    s.passive_listening("127.0.0.1:40000".parse().unwrap())
        .unwrap();
    let Ok(Next::Event(ServerEvent::Transfer {
        command,
        offset,
        data,
    })) = s.poll_event()
    else {
        panic!()
    };
    assert_eq!(
        (command, offset, data),
        (
            sanswire::ftp::Command::Retr("x".into()),
            7,
            DataEndpoint::Passive
        )
    );
    assert_eq!(s.transfer_type(), TransferType::Ascii);
    s.transfer_started().unwrap();
    s.transfer_done(Ok(())).unwrap();
    assert_eq!(
        served(&mut s),
        "200 Switching to ASCII mode.\r\n229 Entering Extended Passive Mode (|||40000|)\r\n350 Restart position accepted (7).\r\n150 Opening ASCII mode data connection.\r\n226 Transfer complete.\r\n"
    );
    // PORT to another host is the bounce attack.
    s.receive(b"PORT 10,0,0,1,200,0\r\nEPRT |1|127.0.0.1|50000|\r\nSTOR up\r\n");
    let Ok(Next::Event(ServerEvent::Transfer { data, .. })) = s.poll_event() else {
        panic!()
    };
    assert_eq!(
        data,
        DataEndpoint::Active("127.0.0.1:50000".parse().unwrap())
    );
    // A refusal before the data connection.
    s.reply(&Reply::new(553, "no")).unwrap();
    assert_eq!(
        served(&mut s),
        "500 Illegal PORT command.\r\n200 EPRT command successful. Consider using EPSV.\r\n553 no\r\n"
    );
}

#[test]
fn server_abort_during_a_transfer() {
    let mut s = logged_in_server();
    s.receive(b"PASV\r\n");
    s.poll_event().unwrap();
    s.passive_listening("127.0.0.1:40000".parse().unwrap())
        .unwrap();
    s.receive(b"LIST\r\n");
    s.poll_event().unwrap();
    s.transfer_started().unwrap();
    served(&mut s);
    // Another command waits; ABOR (with ftplib's Telnet IP/Synch) is read.
    s.receive(b"\xff\xf4\xff\xf2ABOR\r\n");
    assert_eq!(s.poll_event(), Ok(Next::Event(ServerEvent::Abort)));
    s.transfer_done(Err(TransferError::Aborted)).unwrap();
    assert_eq!(
        served(&mut s),
        "426 Failure writing network stream.\r\n226 ABOR successful.\r\n"
    );
}

// ---- both machines, with in-memory data connections ----

/// Moves bytes both ways until neither side has anything to send.
fn pump(c: &mut Client, s: &mut Server) {
    loop {
        let a = c.outbox().take_vec();
        let b = s.outbox().take_vec();
        if a.is_empty() && b.is_empty() {
            return;
        }
        s.receive(&a);
        c.receive(&b);
    }
}

fn client_event(c: &mut Client, s: &mut Server) -> Event {
    for _ in 0..100 {
        pump(c, s);
        match c.poll_event().unwrap() {
            Next::Event(e) => return e,
            _ => {
                if let Ok(Next::Event(e)) = s.poll_event() {
                    panic!("server needs an answer: {e:?}");
                }
            }
        }
    }
    panic!("the client never got an event");
}

fn server_event(c: &mut Client, s: &mut Server) -> ServerEvent {
    for _ in 0..100 {
        pump(c, s);
        if let Next::Event(e) = s.poll_event().unwrap() {
            return e;
        }
        // The client answers intermediate replies (331) by itself.
        if let Next::Event(e) = c.poll_event().unwrap() {
            panic!("client event while the server waits: {e:?}");
        }
    }
    panic!("the server never asked");
}

/// Moves a data connection's bytes from `from` to `to` and ends it.
fn carry(from: &mut Raw, to: &mut Raw) -> Vec<u8> {
    to.receive(&from.outbox().take_vec());
    to.receive_eof();
    let mut got = Vec::new();
    while let Ok(Next::Event(e)) = to.poll_event() {
        match e {
            RawEvent::Data(d) => got.extend_from_slice(&d),
            RawEvent::End => break,
        }
    }
    got
}

#[test]
fn client_and_server_download_and_upload() {
    let mut c = Client::new();
    let mut s = Server::new("in memory").unwrap();
    assert!(matches!(client_event(&mut c, &mut s), Event::Greeting(_)));
    c.login("alice", "pw", None).unwrap();
    let ServerEvent::Login { .. } = server_event(&mut c, &mut s) else {
        panic!()
    };
    s.accept_login(true).unwrap();
    assert!(matches!(client_event(&mut c, &mut s), Event::LoggedIn(_)));
    for upload in [false, true] {
        let content = Bytes::from_static(b"line 1\r\n\x00\xff binary\r\n");
        if upload {
            c.stor("up.bin").unwrap()
        } else {
            c.retr("down.bin").unwrap()
        };
        let ServerEvent::Passive { extended: true } = server_event(&mut c, &mut s) else {
            panic!()
        };
        s.passive_listening("127.0.0.1:40001".parse().unwrap())
            .unwrap();
        let Event::Data(DataPlan::Connect(target)) = client_event(&mut c, &mut s) else {
            panic!()
        };
        assert_eq!(target.resolve("127.0.0.1".parse().unwrap()).port(), 40001);
        let (mut client_data, mut server_data) = (Raw::new(), Raw::new());
        c.data_ready().unwrap();
        let ServerEvent::Transfer { .. } = server_event(&mut c, &mut s) else {
            panic!()
        };
        s.transfer_started().unwrap();
        assert!(matches!(
            client_event(&mut c, &mut s),
            Event::TransferStarted(_)
        ));
        let got = if upload {
            client_data.send(content.clone()).unwrap();
            client_data.finish();
            carry(&mut client_data, &mut server_data)
        } else {
            server_data.send(content.clone()).unwrap();
            server_data.finish();
            carry(&mut server_data, &mut client_data)
        };
        assert_eq!(got, content);
        s.transfer_done(Ok(())).unwrap();
        pump(&mut c, &mut s);
        assert_eq!(c.poll_event(), Ok(Next::Paused));
        c.data_finished().unwrap();
        assert!(matches!(
            client_event(&mut c, &mut s),
            Event::TransferDone(_)
        ));
    }
}

#[test]
fn active_mode_after_a_type_change_plans_at_once() {
    // The Listen plan is made by the reply to TYPE, not by a call.
    let mut c = greeted();
    c.set_active(None);
    c.list(None).unwrap();
    assert_eq!(sent(&mut c), "TYPE A\r\n");
    c.receive(b"200 ASCII\r\n");
    assert_eq!(next(&mut c), Event::Data(DataPlan::Listen));
}

#[test]
fn auth_tls_go_ahead_and_plaintext_behind_it() {
    use sanswire::wire::Transport;
    let mut c = greeted();
    c.auth_tls().unwrap();
    assert_eq!(sent(&mut c), "AUTH TLS\r\n");
    c.receive(b"234 Proceed with negotiation.\r\n");
    assert!(matches!(next(&mut c), Event::TlsGoAhead(_)));
    assert_eq!(c.transport(), Transport::StartTls);
    c.tls_established();
    c.pbsz().unwrap();
    c.receive(b"200 PBSZ=0\r\n");
    assert!(matches!(
        next(&mut c),
        Event::Reply {
            command: Verb::Pbsz,
            ..
        }
    ));
    // An attacker's bytes behind the go-ahead (CVE-2011-0411 class).
    let mut c = greeted();
    c.auth_tls().unwrap();
    c.receive(b"234 go\r\n230 injected\r\n");
    assert_eq!(
        c.poll_event().unwrap_err().kind(),
        ErrorKind::PlaintextAfterUpgrade
    );
    // Required TLS: a refusal ends the session, nothing goes in plaintext.
    let mut c = greeted();
    c.set_require_tls(true);
    assert_eq!(
        c.login("a", "b", None).unwrap_err().kind(),
        ErrorKind::OutOfSequence
    );
    c.auth_tls().unwrap();
    c.receive(b"530 no TLS here\r\n");
    assert_eq!(
        c.poll_event().unwrap_err().kind(),
        ErrorKind::TlsUnavailable
    );
}

#[test]
fn size_goes_in_binary_type() {
    let mut c = Client::new();
    c.receive(b"220 hi\r\n");
    next(&mut c);
    c.size("f").unwrap();
    // Pipelined: TYPE I's reply has no event of its own.
    assert_eq!(sent(&mut c), "TYPE I\r\nSIZE f\r\n");
    c.receive(b"200 Binary\r\n213 5\r\n");
    assert_eq!(next(&mut c), Event::Size(5));
    c.retr("f").unwrap();
    assert_eq!(sent(&mut c), "EPSV\r\n");
}

#[test]
fn prot_p_makes_data_connections_private_once_the_server_agrees() {
    use sanswire::ftp::DataProtection;
    let mut c = greeted();
    // Not before TLS: PROT P in plaintext would protect nothing.
    assert_eq!(c.prot(true).unwrap_err().kind(), ErrorKind::OutOfSequence);
    c.auth_tls().unwrap();
    c.receive(b"234 go\r\n");
    assert!(matches!(next(&mut c), Event::TlsGoAhead(_)));
    c.tls_established();
    sent(&mut c);
    c.prot(true).unwrap();
    assert_eq!(sent(&mut c), "PROT P\r\n");
    c.receive(b"536 not now\r\n");
    next(&mut c);
    assert_eq!(c.data_protection(), DataProtection::Clear);
    c.prot(true).unwrap();
    c.receive(b"200 PROT now Private.\r\n");
    next(&mut c);
    assert_eq!(c.data_protection(), DataProtection::Private);
    c.prot(false).unwrap();
    c.receive(b"200 PROT now Clear.\r\n");
    next(&mut c);
    assert_eq!(c.data_protection(), DataProtection::Clear);
    // Implicit FTPS: TLS from the start, no AUTH TLS, PROT at once.
    let mut c = Client::new();
    c.set_implicit_tls();
    c.receive(b"220 ready\r\n");
    next(&mut c);
    assert_eq!(c.auth_tls().unwrap_err().kind(), ErrorKind::OutOfSequence);
    c.prot(true).unwrap();
    c.receive(b"200 ok\r\n");
    next(&mut c);
    assert_eq!(c.data_protection(), DataProtection::Private);
}

#[test]
fn server_pbsz_prot_stou_and_the_reuse_refusal() {
    use sanswire::ftp::DataProtection;
    let mut s = logged_in_server();
    s.receive(b"PBSZ 0\r\nPROT P\r\n");
    assert_eq!(s.poll_event(), Ok(Next::NeedInput));
    assert_eq!(
        served(&mut s),
        "503 PBSZ needs a secure connection.\r\n503 PROT needs a secure connection.\r\n"
    );
    let mut s = Server::new("test").unwrap();
    s.set_implicit_tls();
    s.set_tls_offered(true);
    s.outbox().take_vec();
    s.receive(b"AUTH TLS\r\nPBSZ 0\r\nPROT P\r\nPROT E\r\n");
    assert_eq!(s.poll_event(), Ok(Next::NeedInput));
    assert_eq!(
        served(&mut s),
        "504 Unknown AUTH type.\r\n200 PBSZ set to 0.\r\n200 PROT now Private.\r\n536 PROT level not supported.\r\n"
    );
    assert_eq!(s.data_protection(), DataProtection::Private);
    s.receive(b"USER alice\r\nPASS pw\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Login { .. }))
    ));
    s.accept_login(true).unwrap();
    s.receive(b"EPSV\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Passive { .. }))
    ));
    s.passive_listening("127.0.0.1:5000".parse().unwrap())
        .unwrap();
    s.outbox().take_vec();
    s.receive(b"STOU\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Transfer { .. }))
    ));
    assert_eq!(
        s.stou_started("bad\r\nname").unwrap_err().kind(),
        ErrorKind::UnsafeArgument
    );
    s.stou_started("STOU.1").unwrap();
    assert_eq!(served(&mut s), "150 FILE: STOU.1\r\n");
    assert_eq!(
        sanswire::ftp::ops::stou_name(&Reply::new(150, "FILE: STOU.1")),
        Some("STOU.1")
    );
    // The data connection did not resume the control session.
    s.transfer_done(Err(TransferError::TlsFailed)).unwrap();
    assert_eq!(
        served(&mut s),
        "522 SSL connection failed: session reuse required.\r\n"
    );
    assert_eq!(
        TransferError::from_code(522),
        Some(TransferError::TlsFailed)
    );
}
