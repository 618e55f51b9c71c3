//! Operation v2 over in-memory streams: events an operation does not own
//! are passed back and handed to the caller in order, commands are
//! matched to their answers by id, a refusal is the operation's outcome
//! and leaves the session usable, and the blocking and async sessions
//! have the same methods and give the same results.

use futures_lite::future::block_on;
use sanswire::http::{self, Request};
use sanswire::io::{self, DriveError};
use sanswire::pop3::{self, ops, Refusal, Response};
use sanswire::smtp;
use sanswire::wire::{CommandId, Correlate, Machine, Next, OpStep, Operation};
use std::io::{Read, Write};

#[path = "common/script.rs"]
mod script;
use script::Script;

fn written(stream: &mut Script) -> String {
    String::from_utf8(std::mem::take(&mut stream.written)).unwrap()
}

/// A command queued behind the session's back: its answer comes first,
/// the operation passes it, and the driver hands it out afterwards, in
/// order, before anything newer.
#[test]
fn pop3_passes_answers_it_does_not_own_in_order() {
    let server = b"+OK hi\r\n+OK noop one\r\n+OK 7 octets\r\nabc\r\n.\r\n+OK 2 9\r\n+OK later\r\n";
    let mut pop = io::pop3::Client::new(Script::new(server)).unwrap();
    pop.driver().machine().set_pipelining(true);
    let noop = pop.driver().machine().noop().unwrap();
    let retr = pop.driver().machine().retr(1).unwrap();
    assert!(noop < retr);
    // STAT's own answer is the third: NOOP's and RETR's (with its
    // content) are passed.
    assert_eq!(pop.stat().unwrap(), (2, 9));
    let passed: Vec<_> = pop.driver().passed().iter().cloned().collect();
    let n = passed.len();
    assert_eq!(passed[0], pop3::Event::Ok(Response::ok("noop one")));
    assert!(matches!(
        &passed[1],
        pop3::Event::MessageStart { msg: 1, .. }
    ));
    let content: Vec<u8> = passed[2..n - 1]
        .iter()
        .flat_map(|e| match e {
            pop3::Event::Data(d) => d.to_vec(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(content, b"abc\r\n");
    assert_eq!(passed[n - 1], pop3::Event::MessageEnd { msg: 1 });
    // `next_event` hands the passed events out first, then new ones.
    let d = pop.driver();
    assert_eq!(
        d.next_event().unwrap(),
        Some(pop3::Event::Ok(Response::ok("noop one")))
    );
    let rest: Vec<_> = d.take_passed().collect();
    assert_eq!(rest.len(), n - 1);
    assert!(d.passed().is_empty());
    d.machine().noop().unwrap();
    assert_eq!(
        d.next_event().unwrap(),
        Some(pop3::Event::Ok(Response::ok("later")))
    );
    assert_eq!(written(d.stream()), "NOOP\r\nRETR 1\r\nSTAT\r\nNOOP\r\n");
}

/// An HTTP 1xx before the final response: `fetch` gives the final one,
/// and the driver keeps the informational ones for the caller, in order.
#[test]
fn http_informational_responses_are_passed_in_order() {
    let server = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n\
        HTTP/1.1 102 Processing\r\n\r\n\
        HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    let mut client = io::http::Client::new(Script::new(server));
    let request = Request::get("/").with_header("Host", "example.org");
    let (response, body) = client.fetch(&request, None).unwrap();
    assert_eq!((response.status(), &body[..]), (200, &b"hi"[..]));
    let passed: Vec<_> = client.driver().take_passed().collect();
    let statuses: Vec<u16> = passed
        .iter()
        .map(|e| match e {
            http::Event::Response(r) => r.status(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(statuses, [103, 102]);
    let http::Event::Response(hints) = &passed[0] else {
        unreachable!()
    };
    assert_eq!(
        hints.headers().get("link"),
        Some(&b"</a.css>; rel=preload"[..])
    );
}

/// A peer that floods a session with events the operation does not own
/// fills the driver's queue no further than its limit: one more fails
/// the operation with `TooManyPassed`.
#[test]
fn passed_events_are_bounded() {
    let mut server = Vec::new();
    for _ in 0..5 {
        server.extend_from_slice(b"HTTP/1.1 102 Processing\r\n\r\n");
    }
    server.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let request = Request::get("/").with_header("Host", "example.org");
    let mut client = io::http::Client::new(Script::new(&server));
    client.driver().set_max_passed(5);
    assert!(client.fetch(&request, None).is_ok());
    let mut client = io::http::Client::new(Script::new(&server));
    client.driver().set_max_passed(4);
    let Err(DriveError::Io(e)) = client.fetch(&request, None) else {
        panic!("the fifth 102 went into the queue");
    };
    let too_many = e
        .get_ref()
        .and_then(|e| e.downcast_ref::<io::TooManyPassed>());
    assert_eq!(too_many, Some(&io::TooManyPassed { limit: 4 }));
    assert_eq!(client.driver().passed().len(), 4);
}

/// The same over the response-head operation, and the async driver.
#[test]
fn http_response_head_passes_1xx_async() {
    let server = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    block_on(async {
        let mut client = io::futures::http::Client::new(Script::new(server));
        client
            .send_head(&Request::get("/").with_header("Host", "x"))
            .await
            .unwrap();
        assert_eq!(client.response().await.unwrap().status(), 204);
        let passed = client.driver().next_event().await.unwrap();
        assert!(matches!(passed, Some(http::Event::Response(r)) if r.status() == 100));
        assert_eq!(client.read_body().await.unwrap(), None);
    });
}

/// Ids count up per machine; every event says which command it belongs
/// to, and the connection's own exchanges are `CommandId::CONNECTION`.
#[test]
fn correlation_ids() {
    // POP3: one id per command; a listing's end and a message's pieces
    // carry their command's id.
    let mut c = pop3::Client::new();
    let user = c.user("a").unwrap();
    let stat = c.stat().unwrap();
    assert_eq!((user, stat), (CommandId(1), CommandId(2)));
    assert_eq!(c.replying_to(), None);
    c.receive(b"+OK hi\r\n+OK\r\n+OK 1 2\r\n");
    let mut ids = Vec::new();
    while let Ok(Next::Event(_)) = c.poll_event() {
        ids.push(c.replying_to().unwrap());
    }
    assert_eq!(ids, [CommandId::CONNECTION, user, stat]);

    // SMTP: one id per call; the greeting and EHLO are the connection's.
    let mut c = smtp::Client::new("c.example.org").unwrap();
    c.receive(b"220 mx\r\n250 mx\r\n");
    while let Ok(Next::Event(_)) = c.poll_event() {
        assert_eq!(c.replying_to(), Some(CommandId::CONNECTION));
    }
    let noop = c.noop().unwrap();
    assert_eq!(c.in_flight(), Some(noop));
    c.receive(b"250 ok\r\n");
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(smtp::Event::Reply { .. }))
    ));
    assert_eq!((c.replying_to(), c.in_flight()), (Some(noop), None));
    let rset = c.rset().unwrap();
    assert!(rset > noop);

    // HTTP: pipelined requests, each response's events carry its id.
    let mut c = http::Client::new();
    let a = c
        .send_request(&Request::get("/a").with_header("Host", "x"))
        .unwrap();
    let b = c
        .send_request(&Request::get("/b").with_header("Host", "x"))
        .unwrap();
    c.receive(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let mut seen = Vec::new();
    while let Ok(Next::Event(_)) = c.poll_event() {
        seen.push(c.replying_to().unwrap());
    }
    assert_eq!(seen, [a, a, a, b, b]);
}

/// A `421` that answers no call is handed out as an unsolicited event
/// (no command id), and the machine is closed.
#[test]
fn smtp_unsolicited_421_answers_no_call() {
    let mut c = smtp::Client::new("c.example.org").unwrap();
    c.receive(b"220 mx\r\n250 mx\r\n");
    while let Ok(Next::Event(_)) = c.poll_event() {}
    assert!(c.is_idle());
    c.receive(b"421 4.3.2 shutting down\r\n");
    let Ok(Next::Event(smtp::Event::Reply { command, reply })) = c.poll_event() else {
        panic!()
    };
    assert_eq!((command, reply.code()), (smtp::Verb::Quit, 421));
    assert_eq!(c.replying_to(), None);
    assert!(c.is_closed() && !c.is_idle());
}

/// An operation takes the answer to its own command, not the next event
/// of the right kind: here two STATs are in flight and the op started
/// last gets the second answer.
#[test]
fn an_operation_matches_its_own_answer() {
    let mut c = pop3::Client::new();
    c.set_pipelining(true);
    c.receive(b"+OK hi\r\n");
    c.poll_event().unwrap();
    c.stat().unwrap(); // someone else's
    let mut mine = ops::Stat::new();
    mine.start(&mut c).unwrap();
    c.receive(b"+OK 1 10\r\n+OK 2 20\r\n");
    let first = c.poll_event().unwrap().event().unwrap();
    assert!(matches!(mine.on_event(&mut c, first), Ok(OpStep::Pass(_))));
    let second = c.poll_event().unwrap().event().unwrap();
    assert_eq!(mine.on_event(&mut c, second), Ok(OpStep::Done(Ok((2, 20)))));
}

/// `-ERR` is the outcome: `run` gives it as a value, the typed methods as
/// `DriveError::Refused`, and the session goes on.
#[test]
fn pop3_refusal_is_an_outcome() {
    let server = b"+OK hi\r\n-ERR no such message\r\n-ERR still none\r\n+OK 1 5\r\n+OK\r\n";
    let mut pop = io::pop3::Client::new(Script::new(server)).unwrap();
    let refused = pop.run(ops::Simple::dele(9)).unwrap();
    assert_eq!(refused, Err(Refusal(Response::err("no such message"))));
    match pop.dele(9) {
        Err(DriveError::Refused(r)) => {
            assert_eq!(r.to_string(), "server refused: -ERR still none")
        }
        other => panic!("{other:?}"),
    }
    assert!(!pop.machine().conn().has_failed());
    assert_eq!(pop.stat().unwrap(), (1, 5));
    pop.dele(1).unwrap();
    assert_eq!(
        written(pop.driver().stream()),
        "DELE 9\r\nDELE 9\r\nSTAT\r\nDELE 1\r\n"
    );
}

/// Refused credentials are `ops::Login`'s outcome; the session then sends
/// mail unauthenticated.
#[test]
fn smtp_refused_login_leaves_the_session_usable() {
    let server = b"220 mx\r\n250-mx\r\n250 AUTH PLAIN\r\n535 5.7.8 no\r\n535 5.7.8 still no\r\n\
        250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n";
    let machine = smtp::Client::new("c.example.org").unwrap();
    let mut mail = io::smtp::Client::new(Script::new(server), machine).unwrap();
    let creds = sanswire::sasl::Credentials::new("a", "b");
    let out = mail.run(smtp::ops::Login::new(creds)).unwrap();
    assert!(matches!(out, Err(smtp::Refusal(r)) if r.code() == 535));
    match mail.login("a", "b") {
        Err(DriveError::Refused(smtp::Refusal(r))) => assert_eq!(r.code(), 535),
        other => panic!("{other:?}"),
    }
    let outcome = mail
        .send_mail("a@example.org", ["b@example.org"], &b"hi\r\n"[..])
        .unwrap();
    assert!(outcome.is_complete());
    assert_eq!(mail.quit().unwrap().code(), 221);
    assert!(mail.driver().passed().is_empty());
}

/// One POP3 conversation through the blocking session and the async one
/// (futures-io): same methods, same results, same bytes on the wire.
#[test]
fn blocking_and_async_sessions_agree() {
    let server: &[u8] = b"+OK hi <1@x>\r\n+OK\r\n+OK in\r\n+OK\r\nSTLS\r\nUIDL\r\n.\r\n\
        +OK 2 30\r\n+OK\r\n1 10\r\n2 20\r\n.\r\n+OK 2 20\r\n+OK\r\n1 a\r\n2 b\r\n.\r\n\
        +OK 2 b\r\n+OK\r\nx\r\n.\r\n+OK\r\nh\r\n\r\n.\r\n+OK\r\ny\r\n.\r\n-ERR gone\r\n\
        +OK\r\n+OK\r\n+OK bye\r\n";

    #[derive(Debug, PartialEq)]
    struct Seen {
        greeting: Response,
        stls: bool,
        stat: (u32, u64),
        list: Vec<(u32, u64)>,
        one: u64,
        uidl: usize,
        uid: Vec<u8>,
        retr: Vec<u8>,
        top: Vec<u8>,
        streamed: Vec<u8>,
        refused: bool,
        wire: String,
    }

    let mut pop = io::pop3::Client::new(Script::new(server)).unwrap();
    let blocking = Seen {
        greeting: pop.greeting().clone(),
        stls: {
            pop.login("alice", "pw").unwrap();
            pop.capa().unwrap().stls()
        },
        stat: pop.stat().unwrap(),
        list: pop.list().unwrap(),
        one: pop.list_one(2).unwrap(),
        uidl: pop.uidl().unwrap().len(),
        uid: pop.uidl_one(2).unwrap().to_vec(),
        retr: pop.retr(1).unwrap(),
        top: pop.top(1, 0).unwrap(),
        streamed: {
            pop.retr_start(2).unwrap();
            let mut all = Vec::new();
            while let Some(piece) = pop.read_message().unwrap() {
                all.extend_from_slice(&piece);
            }
            all
        },
        refused: matches!(pop.dele(3), Err(DriveError::Refused(_))),
        wire: {
            pop.rset().unwrap();
            pop.noop().unwrap();
            pop.quit().unwrap();
            written(pop.driver().stream())
        },
    };

    let nonblocking = block_on(async {
        let mut pop = io::futures::pop3::Client::new(Script::new(server))
            .await
            .unwrap();
        Seen {
            greeting: pop.greeting().clone(),
            stls: {
                pop.login("alice", "pw").await.unwrap();
                pop.capa().await.unwrap().stls()
            },
            stat: pop.stat().await.unwrap(),
            list: pop.list().await.unwrap(),
            one: pop.list_one(2).await.unwrap(),
            uidl: pop.uidl().await.unwrap().len(),
            uid: pop.uidl_one(2).await.unwrap().to_vec(),
            retr: pop.retr(1).await.unwrap(),
            top: pop.top(1, 0).await.unwrap(),
            streamed: {
                pop.retr_start(2).await.unwrap();
                let mut all = Vec::new();
                while let Some(piece) = pop.read_message().await.unwrap() {
                    all.extend_from_slice(&piece);
                }
                all
            },
            refused: matches!(pop.dele(3).await, Err(DriveError::Refused(_))),
            wire: {
                pop.rset().await.unwrap();
                pop.noop().await.unwrap();
                pop.quit().await.unwrap();
                written(pop.driver().stream())
            },
        }
    });
    assert_eq!(blocking, nonblocking);
    assert!(blocking.stls && blocking.refused);
    assert_eq!(blocking.retr, b"x\r\n");
}

/// Every method of the blocking POP3, SMTP and HTTP clients exists on the
/// async ones too: both come from one table per protocol, and this names
/// each method on both (a missing one does not compile).
#[test]
fn blocking_and_async_have_the_same_methods() {
    macro_rules! both {
        ($blocking:ty, $async:ty: $($method:ident),* $(,)?) => {{
            let mut names = Vec::new();
            $(
                let _ = <$blocking>::$method;
                let _ = <$async>::$method;
                names.push(stringify!($method));
            )*
            names.len()
        }};
    }
    type Pop = io::pop3::Client<Script>;
    type AsyncPop = io::futures::pop3::Client<Script>;
    let n = both!(Pop, AsyncPop:
        new, greeting, login, apop, capa, stat, list, list_one, uidl, uidl_one,
        retr, retr_start, read_message, top, dele, rset, noop, raw, quit);
    assert_eq!(n, 19);
    type Mail = io::smtp::Client<Script>;
    type AsyncMail = io::futures::smtp::Client<Script>;
    let n = both!(Mail, AsyncMail:
        new, capabilities, login, rset, noop, vrfy, help, single, quit);
    assert_eq!(n, 9);
    type Web = io::http::Client<Script>;
    type AsyncWeb = io::futures::http::Client<Script>;
    let n = both!(Web, AsyncWeb: new, send_head, send_body, finish, response, read_body, fetch);
    assert_eq!(n, 7);
    // Connecting and upgrading, written once per I/O model.
    type TlsPop = io::pop3::Client<io::tls::Stream<Script>>;
    type AsyncTlsPop = io::futures::pop3::Client<io::tls::futures::Stream<Script>>;
    let _ = (TlsPop::start_implicit_tls, AsyncTlsPop::start_implicit_tls);
    let _ = (
        TlsPop::start_with_starttls,
        AsyncTlsPop::start_with_starttls,
    );
    let _ = (TlsPop::starttls, AsyncTlsPop::starttls);
    // The generic ones, called (never run) on both.
    let env = || smtp::Envelope::new("a@x", ["b@x"]);
    let _ = |m: &mut Mail| {
        let _ = m.send_mail("a@x", ["b@x"], &b""[..]);
        let _ = m.send_envelope(env(), &b""[..]);
        let _ = m.run(smtp::ops::Single::noop());
    };
    let _ = |m: &mut AsyncMail| {
        drop(m.send_mail("a@x", ["b@x"], &b""[..]));
        drop(m.send_envelope(env(), &b""[..]));
        drop(m.run(smtp::ops::Single::noop()));
    };
    let plain = || sanswire::sasl::Plain::new("a", "b");
    let _ = |p: &mut Pop| {
        let _ = p.auth(plain());
        let _ = p.call(ops::Stat::new());
    };
    let _ = |p: &mut AsyncPop| {
        drop(p.auth(plain()));
        drop(p.call(ops::Stat::new()));
    };
}

/// Over a loopback socket with tokio: the 1xx before the final response
/// is passed and handed out by `next_event` after `fetch`.
#[test]
fn http_1xx_over_a_tokio_socket() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8];
        while !head.ends_with(b"\r\n\r\n") {
            conn.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        conn.write_all(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n")
            .unwrap();
        conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes")
            .unwrap();
        head
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut client = io::tokio::http::Client::new(tcp);
        let request = Request::get("/").with_header("Host", "localhost");
        let (response, body) = client.fetch(&request, None).await.unwrap();
        assert_eq!((response.status(), &body[..]), (200, &b"yes"[..]));
        let early = client.driver().next_event().await.unwrap();
        assert!(matches!(early, Some(http::Event::Response(r)) if r.status() == 103));
        assert!(client.driver().passed().is_empty());
    });
    assert!(server.join().unwrap().starts_with(b"GET / HTTP/1.1\r\n"));
}

/// The async session connects over TCP itself with tokio, as the
/// blocking one does.
#[tokio::test]
async fn tokio_session_connects_over_tcp() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(b"+OK hi\r\n").unwrap();
        let mut got = Vec::new();
        let mut buf = [0; 64];
        while !got.ends_with(b"\r\n") {
            let n = s.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        s.write_all(b"+OK 2 320\r\n").unwrap();
        got
    });
    let mut pop =
        io::tokio::pop3::Client::<tokio::net::TcpStream>::connect_with(addr, pop3::Client::new())
            .await
            .unwrap();
    assert_eq!(pop.stat().await.unwrap(), (2, 320));
    assert_eq!(server.join().unwrap(), b"STAT\r\n");
}
