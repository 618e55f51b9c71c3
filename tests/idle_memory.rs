//! An idle connection holds its state and little else: 1,000 connections
//! of each machine, each after one ordinary exchange with its events
//! dropped, cost at most 1 KiB apiece, the struct included.

use bytes::Bytes;
use sanswire::wire::{Machine, Next};
use sanswire::{gopher, http, imap, pop3, smtp};
mod counting_alloc;
use counting_alloc::Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;

const CONNECTIONS: usize = 1000;
const BOUND: usize = 1024;

fn drain(m: &mut impl Machine) -> Vec<u8> {
    m.outbox().take_vec()
}

/// The bytes each of 1,000 idle machines made by `setup` costs.
fn per_connection<M: Machine>(name: &str, setup: impl Fn() -> M) -> usize {
    counting_alloc::per_connection(name, CONNECTIONS, setup)
}

fn http_server() -> http::Server {
    let mut s = http::Server::new();
    s.receive(
        b"GET /index.html HTTP/1.1\r\nHost: www.example.org\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n\
Accept: text/html\r\nConnection: keep-alive\r\n\r\n",
    );
    loop {
        match s.poll_event().unwrap() {
            Next::Event(_) => {}
            Next::Paused => {
                let resp = http::Response::new(200).with_header("Content-Length", "5");
                s.send_response(&resp).unwrap();
                s.send_data(Bytes::from_static(b"hello")).unwrap();
                s.send_end(None).unwrap();
                drain(&mut s);
            }
            Next::NeedInput => break,
        }
    }
    assert!(!s.is_closed());
    s
}

fn http_client() -> http::Client {
    let mut c = http::Client::new();
    let req = http::Request::get("/index.html").with_header("Host", "www.example.org");
    c.send_request(&req).unwrap();
    c.send_end(None).unwrap();
    drain(&mut c);
    c.receive(
        b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n\
Content-Length: 5\r\n\r\nhello",
    );
    loop {
        match c.poll_event().unwrap() {
            Next::Event(http::Event::End) => break,
            Next::Event(_) => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(!c.is_closed());
    c
}

fn smtp_client() -> smtp::Client {
    let mut c = smtp::Client::new("client.example.org").unwrap();
    c.receive(b"220 mail.example.org ESMTP Postfix\r\n");
    assert!(matches!(
        c.poll_event().unwrap(),
        Next::Event(smtp::Event::Greeting(_))
    ));
    drain(&mut c);
    c.receive(
        b"250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n\
250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n\
250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
    );
    assert!(matches!(
        c.poll_event().unwrap(),
        Next::Event(smtp::Event::Ready { .. })
    ));
    assert!(c.is_idle());
    c
}

fn smtp_server() -> smtp::Server {
    let mut s = smtp::Server::new(smtp::ServerConfig::new("mail.example.org")).unwrap();
    s.receive(b"EHLO client.example.org\r\n");
    loop {
        match s.poll_event().unwrap() {
            Next::Event(_) => {}
            Next::Paused => s.accept().unwrap(),
            Next::NeedInput => break,
        }
    }
    assert!(drain(&mut s).starts_with(b"220 "));
    s
}

fn pop3_client() -> pop3::Client {
    let mut c = pop3::Client::new();
    let answer = |c: &mut pop3::Client, wire: &[u8]| {
        drain(c);
        c.receive(wire);
        match c.poll_event().unwrap() {
            Next::Event(e) => e,
            other => panic!("{other:?}"),
        }
    };
    let greeting = answer(
        &mut c,
        b"+OK POP3 server ready <1896.697170952@example.org>\r\n",
    );
    assert!(matches!(greeting, pop3::Event::Greeting(_)));
    c.user("alice").unwrap();
    answer(&mut c, b"+OK\r\n");
    c.pass("secret").unwrap();
    answer(&mut c, b"+OK maildrop locked and ready\r\n");
    c.stat().unwrap();
    let stat = answer(&mut c, b"+OK 2 320\r\n");
    assert!(matches!(
        stat,
        pop3::Event::Stat {
            count: 2,
            size: 320
        }
    ));
    c
}

fn pop3_server() -> pop3::Server {
    let mut s = pop3::Server::new(pop3::Response::ok("POP3 server ready")).unwrap();
    s.receive(b"USER alice\r\nPASS secret\r\nSTAT\r\n");
    loop {
        match s.poll_event().unwrap() {
            Next::Event(pop3::ServerEvent::Stat) => s.stat(2, 320).unwrap(),
            Next::Event(_) => s.reply(&pop3::Response::ok("")).unwrap(),
            Next::NeedInput => break,
            Next::Paused => panic!("paused"),
        }
    }
    assert_eq!(s.state(), pop3::State::Transaction);
    drain(&mut s);
    s
}

/// A Gopher client that sent its request and read half a menu: waiting for more.
fn gopher_client() -> gopher::Client {
    let mut c = gopher::Client::new();
    c.get(&gopher::Request::new("/docs"), gopher::Body::Menu)
        .unwrap();
    c.outbox().take_vec();
    c.receive(b"iWelcome to the archive\t\tnull.host\t1\r\n1Software\t/docs/software\tgopher.example.org\t70\r\n");
    loop {
        match c.poll_event().unwrap() {
            Next::Event(gopher::Event::Item(_)) => {}
            Next::NeedInput => break,
            other => panic!("{other:?}"),
        }
    }
    c
}

/// A Gopher server that has read part of a request line: waiting for the rest.
fn gopher_server() -> gopher::Server {
    let mut s = gopher::Server::new();
    s.receive(b"/docs/soft");
    assert_eq!(s.poll_event().unwrap(), Next::NeedInput);
    s
}

/// A Gopher server that handed out its request and waits for its application.
fn gopher_answering_server() -> gopher::Server {
    let mut s = gopher::Server::new();
    s.receive(b"/docs/software\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(gopher::ServerEvent::Request(_)))
    ));
    s
}

/// A selected IMAP session: greeting with capabilities, LOGIN, SELECT
/// with its untagged data, all events dropped.
fn imap_client() -> imap::Client {
    let mut c = imap::Client::new();
    c.receive(b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n");
    while let Ok(Next::Event(_)) = c.poll_event() {}
    c.login("alice", "secret").unwrap();
    c.send(imap::Command::Select {
        mailbox: imap::Mailbox::new("INBOX"),
        condstore: false,
        qresync: None,
    })
    .unwrap();
    drain(&mut c);
    c.receive(
        b"A1 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES \
THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS \
LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS \
BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE] Logged in\r\n\
* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n\
* 1042 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 7] First unseen.\r\n* OK [UIDVALIDITY 1700000000] UIDs valid\r\n\
* OK [UIDNEXT 4321] Predicted next UID\r\nA2 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n",
    );
    while let Ok(Next::Event(_)) = c.poll_event() {}
    assert_eq!(c.state(), imap::State::Selected);
    assert_eq!(c.pending(), 0);
    c
}

fn imap_server() -> imap::Server {
    let mut s = imap::Server::new("IMAP4rev1 ready");
    s.receive(b"a1 LOGIN alice secret\r\na2 SELECT INBOX\r\n");
    while let Ok(Next::Event(e)) = s.poll_event() {
        if let imap::ServerEvent::Command { tag, .. } = e {
            s.data(imap::Data::Exists(1042)).unwrap();
            s.complete(&tag, imap::StatusKind::Ok, None, "done")
                .unwrap();
        }
    }
    drain(&mut s);
    assert_eq!(s.state(), imap::State::Selected);
    s
}

#[test]
fn idle_connections_hold_at_most_one_kib_each() {
    let costs = [
        ("http::Server", per_connection("http::Server", http_server)),
        ("http::Client", per_connection("http::Client", http_client)),
        ("smtp::Client", per_connection("smtp::Client", smtp_client)),
        ("smtp::Server", per_connection("smtp::Server", smtp_server)),
        ("pop3::Client", per_connection("pop3::Client", pop3_client)),
        ("pop3::Server", per_connection("pop3::Server", pop3_server)),
        (
            "gopher::Client",
            per_connection("gopher::Client", gopher_client),
        ),
        (
            "gopher::Server",
            per_connection("gopher::Server", gopher_server),
        ),
        (
            "gopher::Server answering",
            per_connection("gopher::Server answering", gopher_answering_server),
        ),
        ("imap::Client", per_connection("imap::Client", imap_client)),
        ("imap::Server", per_connection("imap::Server", imap_server)),
    ];
    for (name, each) in costs {
        assert!(each <= BOUND, "{name}: {each} B per idle connection");
    }
}

/// The sizes of what is moved on every message, for the record.
#[test]
fn event_sizes() {
    println!(
        "http::Event {} B (Request {} B, Headers {} B), smtp::Event {} B, smtp::ServerEvent {} B, pop3::Event {} B",
        size_of::<http::Event>(),
        size_of::<http::Request>(),
        size_of::<http::Headers>(),
        size_of::<smtp::Event>(),
        size_of::<smtp::ServerEvent>(),
        size_of::<pop3::Event>(),
    );
}
