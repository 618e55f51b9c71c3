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
