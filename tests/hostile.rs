//! The classic hostile inputs against `serve` (issue 15): a line of 1 MB,
//! a 4 GB body announced, a million pipelined commands, NUL bytes and
//! invalid UTF-8, a TLS ClientHello on a plaintext port. Each must be
//! refused cleanly (the protocol's own refusal, or a close), never crash
//! the server, and the next connection must work.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Sends `input` (from a thread, so a server that answers early is not
/// blocked by our writes) and returns everything the server sent until
/// it closed or went quiet for two seconds.
fn exchange(addr: &str, input: Vec<u8>) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        // The server may close before it has read everything.
        let _ = w.write_all(&input);
    });
    let mut got = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    drop(s);
    let _ = writer.join();
    got
}

/// A TLS 1.2 ClientHello's first bytes: a record header and the start of
/// the handshake, as a client that forgot STARTTLS sends them.
const CLIENT_HELLO: &[u8] =
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\x00\x01\x02\x03\r\n\x00\xff";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(300)]).into_owned()
}

#[test]
fn serve_http_refuses_hostile_input_and_goes_on() {
    let root = scratch("hostile-http");
    std::fs::write(root.join("index.html"), b"ok\n").unwrap();
    let (_serve, addr) = serve("http", &["--root", root.to_str().unwrap()]);
    let long_line = [
        b"GET /".as_slice(),
        &vec![b'a'; 1 << 20],
        b" HTTP/1.1\r\nHost: a\r\n\r\n",
    ]
    .concat();
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        (
            "a 1 MB request line",
            long_line,
            &["HTTP/1.1 414", "HTTP/1.1 431"],
        ),
        (
            "a 4 GB body announced",
            b"PUT /big HTTP/1.1\r\nHost: a\r\nContent-Length: 4294967296\r\n\r\nabc".to_vec(),
            &["HTTP/1.1 4"],
        ),
        (
            "NUL in a field",
            b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n".to_vec(),
            &["HTTP/1.1 400"],
        ),
        (
            "invalid UTF-8 in the target",
            b"GET /\xff\xfe HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
            &["HTTP/1.1 "],
        ),
        (
            "a TLS ClientHello",
            CLIENT_HELLO.to_vec(),
            &["HTTP/1.1 400"],
        ),
    ];
    for (what, input, answers) in cases {
        let got = exchange(&addr, input);
        assert!(
            answers.iter().any(|a| got.starts_with(a.as_bytes())),
            "{what}: {}",
            text(&got)
        );
    }
    // A million pipelined requests: answered in order, memory bounded by
    // the one request in flight (the server reads as it answers).
    let one = b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n";
    let n = 100_000;
    let got = exchange(&addr, one.repeat(n));
    let answered = got.windows(15).filter(|w| w == b"HTTP/1.1 200 OK").count();
    assert_eq!(answered, n, "pipelined requests lost");
    let after = exchange(
        &addr,
        b"GET /index.html HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".to_vec(),
    );
    assert!(
        after.starts_with(b"HTTP/1.1 200") && after.ends_with(b"ok\n"),
        "{}",
        text(&after)
    );
}

#[test]
fn serve_smtp_refuses_hostile_input_and_goes_on() {
    let root = scratch("hostile-smtp");
    let (_serve, addr) = serve("smtp", &["--root", root.to_str().unwrap()]);
    let long_line = [b"EHLO ".as_slice(), &vec![b'a'; 1 << 20], b"\r\n"].concat();
    let mut million = b"EHLO c\r\n".to_vec();
    million.extend_from_slice(&b"NOOP\r\n".repeat(1_000_000));
    million.extend_from_slice(b"QUIT\r\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a 1 MB command line", long_line, "\r\n500 "),
        (
            "a 4 GB message announced",
            b"EHLO c\r\nMAIL FROM:<a@example.org> SIZE=4294967296\r\nQUIT\r\n".to_vec(),
            "\r\n552 ",
        ),
        (
            "NUL in a command",
            b"EHLO c\r\nMAIL FROM:<a\x00@example.org>\r\nQUIT\r\n".to_vec(),
            "\r\n500 5.5.2 CR, LF or NUL",
        ),
        (
            "invalid UTF-8",
            b"EHLO c\r\nMAIL FROM:<\xff\xfe@example.org>\r\nQUIT\r\n".to_vec(),
            "\r\n5",
        ),
        ("a TLS ClientHello", CLIENT_HELLO.to_vec(), "\r\n5"),
    ];
    for (what, input, answer) in cases {
        let got = exchange(&addr, input);
        assert!(got.starts_with(b"220 "), "{what}: no greeting");
        assert!(
            got.windows(answer.len()).any(|w| w == answer.as_bytes()),
            "{what}: {}",
            text(&got)
        );
    }
    // A million pipelined NOOPs: each answered, or the server stops at
    // its pipelining bound with its own last words.
    let got = exchange(&addr, million);
    let answered = got.windows(6).filter(|w| w == b"250 2.").count();
    assert!(answered > 1000, "NOOPs not answered: {}", text(&got));
    let after = exchange(&addr, b"EHLO c\r\nQUIT\r\n".to_vec());
    assert!(after.ends_with(b"221 2.0.0 Bye\r\n"), "{}", text(&after));
}

#[test]
fn serve_pop3_refuses_hostile_input_and_goes_on() {
    let root = scratch("hostile-pop3");
    std::fs::create_dir_all(root.join("new")).unwrap();
    let (_serve, addr) = serve(
        "pop3",
        &["--root", root.to_str().unwrap(), "--user", "alice:secret"],
    );
    let long_line = [b"USER ".as_slice(), &vec![b'a'; 1 << 20], b"\r\n"].concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("a 1 MB command line", long_line),
        ("NUL in a command", b"USER a\x00b\r\n".to_vec()),
        (
            "invalid UTF-8",
            b"USER \xff\xfe\r\nPASS x\r\nQUIT\r\n".to_vec(),
        ),
        ("a TLS ClientHello", CLIENT_HELLO.to_vec()),
        ("a million commands", b"NOOP\r\n".repeat(1_000_000)),
    ];
    for (what, input) in cases {
        let got = exchange(&addr, input);
        assert!(got.starts_with(b"+OK "), "{what}: no greeting");
        assert!(
            got.windows(6).any(|w| w == b"\r\n-ERR"),
            "{what}: {}",
            text(&got)
        );
    }
    let after = exchange(&addr, b"USER alice\r\nPASS secret\r\nQUIT\r\n".to_vec());
    assert!(
        after.ends_with(b"\r\n") && after.windows(4).filter(|w| w == b"+OK ").count() == 4,
        "{}",
        text(&after)
    );
}

/// Sends each hostile input to `serve PROTOCOL` and checks the answer
/// holds `answer` (the protocol's refusal) after the greeting `greeting`.
fn refuses_each(addr: &str, greeting: &[u8], cases: Vec<(&str, Vec<u8>, &str)>) {
    for (what, input, answer) in cases {
        let got = exchange(addr, input);
        assert!(
            got.starts_with(greeting),
            "{what}: no greeting: {}",
            text(&got)
        );
        assert!(
            got.windows(answer.len()).any(|w| w == answer.as_bytes()),
            "{what}: {}",
            text(&got)
        );
    }
}

/// A million pipelined copies of `command` after `before`: `answer` is
/// counted in what came back; the server answers them all, or stops at a
/// bound with its own last words, and stays up.
fn million(addr: &str, before: &[u8], command: &[u8], answer: &[u8]) -> usize {
    let mut input = before.to_vec();
    input.extend_from_slice(&command.repeat(1_000_000));
    let got = exchange(addr, input);
    got.windows(answer.len()).filter(|w| *w == answer).count()
}

fn long(prefix: &[u8], suffix: &[u8]) -> Vec<u8> {
    [prefix, &vec![b'a'; 1 << 20], suffix].concat()
}

#[test]
fn serve_imap_refuses_hostile_input_and_goes_on() {
    let root = scratch("hostile-imap");
    std::fs::create_dir_all(root.join("new")).unwrap();
    std::fs::create_dir_all(root.join("cur")).unwrap();
    let (_serve, addr) = serve(
        "imap",
        &["--root", root.to_str().unwrap(), "--user", "alice:secret"],
    );
    refuses_each(
        &addr,
        b"* OK ",
        vec![
            (
                "a 1 MB command line",
                long(b"a1 LOGIN ", b" x\r\n"),
                "\r\n* BYE line too long",
            ),
            (
                "a 4 GB literal announced",
                b"a1 LOGIN alice secret\r\na2 APPEND INBOX {4294967296}\r\n".to_vec(),
                "\r\na2 NO [TOOBIG]",
            ),
            (
                "a 4 GB non-synchronising literal",
                b"a1 LOGIN alice secret\r\na2 APPEND INBOX {4294967296+}\r\nabc\r\n".to_vec(),
                "\r\na2 BAD",
            ),
            (
                "NUL in a command",
                b"a1 LOGIN al\x00ice secret\r\n".to_vec(),
                "\r\na1 BAD",
            ),
            (
                "invalid UTF-8",
                b"a1 LOGIN alice secret\r\na2 SELECT \xff\xfe\r\n".to_vec(),
                "\r\na2 ",
            ),
            ("a TLS ClientHello", CLIENT_HELLO.to_vec(), "\r\n* BAD"),
        ],
    );
    let answered = million(&addr, b"a1 LOGIN alice secret\r\n", b"n NOOP\r\n", b"n OK");
    assert!(answered > 1000, "NOOPs not answered: {answered}");
    let after = exchange(&addr, b"a1 LOGIN alice secret\r\na2 LOGOUT\r\n".to_vec());
    assert!(
        after.ends_with(b"a2 OK LOGOUT completed\r\n") || after.windows(5).any(|w| w == b"a2 OK"),
        "{}",
        text(&after)
    );
}

#[test]
fn serve_nntp_refuses_hostile_input_and_goes_on() {
    let root = scratch("hostile-nntp");
    let (_serve, addr) = serve("nntp", &["--root", root.to_str().unwrap()]);
    refuses_each(
        &addr,
        b"200 ",
        vec![
            (
                "a 1 MB command line",
                long(b"GROUP ", b"\r\n"),
                "\r\n500 Line too long",
            ),
            (
                "a 1 MB article line",
                [
                    b"POST\r\nSubject: x\r\n\r\n".as_slice(),
                    &vec![b'a'; 1 << 20],
                    b"\r\n.\r\n",
                ]
                .concat(),
                "\r\n4",
            ),
            ("NUL in a command", b"GROUP a\x00b\r\n".to_vec(), "\r\n411 "),
            ("invalid UTF-8", b"GROUP \xff\xfe\r\n".to_vec(), "\r\n411 "),
            ("a TLS ClientHello", CLIENT_HELLO.to_vec(), "\r\n50"),
        ],
    );
    let answered = million(&addr, b"", b"DATE\r\n", b"111 ");
    assert!(answered > 1000, "DATEs not answered: {answered}");
    let after = exchange(&addr, b"DATE\r\nQUIT\r\n".to_vec());
    assert!(
        after.ends_with(b"\r\n205 closing connection\r\n")
            || after.windows(4).any(|w| w == b"205 "),
        "{}",
        text(&after)
    );
}

#[test]
fn serve_ftp_refuses_hostile_input_and_goes_on() {
    let root = scratch("hostile-ftp");
    let (_serve, addr) = serve(
        "ftp",
        &["--root", root.to_str().unwrap(), "--user", "alice:secret"],
    );
    let login = b"USER alice\r\nPASS secret\r\n".as_slice();
    refuses_each(
        &addr,
        b"220",
        vec![
            ("a 1 MB command line", long(b"USER ", b"\r\n"), "\r\n500 "),
            (
                "a 4 GB allocation announced",
                [
                    login,
                    b"ALLO 4294967296\r\nREST 99999999999999999999999\r\nQUIT\r\n",
                ]
                .concat(),
                "\r\n501 ",
            ),
            (
                "NUL in a path",
                [login, b"CWD a\x00b\r\nQUIT\r\n"].concat(),
                "\r\n550 ",
            ),
            (
                "invalid UTF-8",
                [login, b"CWD \xff\xfe\r\nQUIT\r\n"].concat(),
                "\r\n550 ",
            ),
            ("a TLS ClientHello", CLIENT_HELLO.to_vec(), "\r\n50"),
        ],
    );
    let answered = million(&addr, login, b"NOOP\r\n", b"200 ");
    assert!(answered > 1000, "NOOPs not answered: {answered}");
    let after = exchange(&addr, [login, b"PWD\r\nQUIT\r\n"].concat());
    assert!(after.windows(4).any(|w| w == b"221 "), "{}", text(&after));
}

#[test]
fn serve_gopher_refuses_hostile_input_and_goes_on() {
    let root = scratch("hostile-gopher");
    std::fs::write(root.join("about.txt"), b"about\n").unwrap();
    let (_serve, addr) = serve("gopher", &["--root", root.to_str().unwrap()]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a 1 MB selector", long(b"/", b"\r\n"), "3"),
        ("NUL in a selector", b"/a\x00b\r\n".to_vec(), "3"),
        ("invalid UTF-8", b"/\xff\xfe\r\n".to_vec(), "3"),
        ("a TLS ClientHello", CLIENT_HELLO.to_vec(), "3"),
        (
            "a million requests on one connection",
            b"/about.txt\r\n".repeat(1_000_000),
            "about",
        ),
    ];
    for (what, input, answer) in cases {
        let got = exchange(&addr, input);
        assert!(got.starts_with(answer.as_bytes()), "{what}: {}", text(&got));
        // One request per connection: nothing after it is answered.
        assert!(got.len() < 4096, "{what}: {} bytes", got.len());
    }
    let after = exchange(&addr, b"/about.txt\r\n".to_vec());
    assert!(after.starts_with(b"about"), "{}", text(&after));
}

#[test]
fn serve_telnet_refuses_hostile_input_and_goes_on() {
    let (_serve, addr) = serve("telnet", &[]);
    // A subnegotiation that never ends, a 1 MB line, NUL, invalid UTF-8,
    // a ClientHello, a million option requests: the server echoes or
    // drops what it must and stays up.
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("an endless subnegotiation", long(b"\xff\xfa\x18\x00", b"")),
        ("a 1 MB line", long(b"", b"\r\n")),
        (
            "NUL and invalid UTF-8",
            b"a\x00b\xff\xff\xfe\r\nquit\r\n".to_vec(),
        ),
        ("a TLS ClientHello", CLIENT_HELLO.to_vec()),
        (
            "a million option requests",
            b"\xff\xfd\x2a".repeat(1_000_000),
        ),
    ];
    for (what, input) in cases {
        let got = exchange(&addr, input);
        assert!(got.len() < 64 << 20, "{what}: {} bytes", got.len());
    }
    let after = exchange(&addr, b"hello\r\nquit\r\n".to_vec());
    assert!(after.windows(5).any(|w| w == b"hello"), "{}", text(&after));
}
