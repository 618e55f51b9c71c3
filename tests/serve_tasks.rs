//! `serve` runs every protocol on tokio, one task per connection, TLS
//! included: 200 connections held open at once (implicit TLS handshakes
//! done, STARTTLS performed where that is the form, each greeted or
//! answered) cost the runtime's worker threads and a few more, not a
//! thread each; and a normal conversation still works beside them.
//!
//! The thread count is read from `/proc/PID/status` (Linux).

mod common;
#[path = "common/pki.rs"]
mod pki;

use common::{scratch, serve, Proc};
use pki::Pki;
use sanswire::io::tls::{Stream, TlsConnector};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many connections are held open at once.
const CONNECTIONS: usize = 200;
/// The file served by http and gopher.
const HELLO: &[u8] = b"hello from serve\n";
/// The message in the maildrop (pop3, imap) and the article (nntp).
const MESSAGE: &[u8] = b"From: a@example.com\r\nNewsgroups: sanswire.test\r\n\
Subject: tasks\r\nMessage-ID: <1@example.com>\r\n\r\nOne task per connection.\r\n";

type Conn = Stream<TcpStream>;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Plain,
    StartTls,
    Implicit,
}

struct Server {
    proc: Proc,
    addr: String,
    root: PathBuf,
    connector: TlsConnector,
    tls: Mode,
}

/// A root every protocol can serve: a file, a maildir with one message,
/// a newsgroup with one article.
fn make_root(name: &str) -> PathBuf {
    let root = scratch(name);
    std::fs::write(root.join("hello.txt"), HELLO).unwrap();
    for dir in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("new").join("1700000000.M1.t"), MESSAGE).unwrap();
    std::fs::create_dir_all(root.join("sanswire.test")).unwrap();
    std::fs::write(root.join("sanswire.test").join("0001"), MESSAGE).unwrap();
    root
}

fn start(protocol: &str, tls: Mode) -> Server {
    let root = make_root(&format!("tasks-{protocol}-{tls:?}"));
    let keys = scratch(&format!("tasks-keys-{protocol}-{tls:?}"));
    let pki = Pki::new();
    let (_, cert, key) = pki.write(&keys);
    let mut args = vec![
        "--root".to_string(),
        root.to_str().unwrap().into(),
        "--user".into(),
        "u:p".into(),
    ];
    if tls != Mode::Plain {
        args.extend([
            "--tls-cert".into(),
            cert.to_str().unwrap().into(),
            "--tls-key".into(),
            key.to_str().unwrap().into(),
        ]);
    }
    if tls == Mode::Implicit {
        args.push("--implicit-tls".into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (proc, addr) = serve(protocol, &args);
    let connector = match protocol {
        "http" => pki.connector().with_alpn(&[b"http/1.1"]),
        _ => pki.connector(),
    };
    Server {
        proc,
        addr,
        root,
        connector,
        tls,
    }
}

impl Server {
    /// A connection, with the TLS handshake done when TLS is implicit.
    fn connect(&self) -> Conn {
        let tcp = TcpStream::connect(&self.addr).expect("connect");
        tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        match self.tls {
            Mode::Implicit => {
                Stream::connect(tcp, &self.connector, "localhost").expect("handshake")
            }
            _ => Stream::plain(tcp),
        }
    }

    /// The STARTTLS handshake, after the server's go-ahead.
    fn upgrade(&self, conn: &mut Conn) {
        conn.upgrade_client(&self.connector, "localhost")
            .expect("STARTTLS handshake");
    }

    /// The threads of the serve process now.
    fn threads(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.proc.0.id()))
            .expect("/proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("a Threads: line")
    }
}

/// Reads until what came contains `needle` and ends a line; panics on
/// end of stream or timeout, with what was read.
fn expect(conn: &mut Conn, needle: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !(contains(&got, needle) && got.ends_with(b"\n")) {
        match conn.read(&mut buf) {
            Ok(0) => panic!(
                "end of stream waiting for {:?}: got {:?}",
                lossy(needle),
                lossy(&got)
            ),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("{e} waiting for {:?}: got {:?}", lossy(needle), lossy(&got)),
        }
    }
    got
}

/// Reads to the end of the stream.
fn read_to_end(conn: &mut Conn) -> Vec<u8> {
    let mut got = Vec::new();
    // A TLS peer that closes without close_notify is an error; what
    // came before it is what the test checks.
    let _ = conn.read_to_end(&mut got);
    got
}

fn send(conn: &mut Conn, line: &str) {
    conn.write_all(line.as_bytes()).expect("write");
    conn.flush().expect("flush");
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The threads a tokio runtime may have: its workers, the thread that
/// runs the accept loop, `main`, and a few to spare. Far below
/// [`CONNECTIONS`].
fn thread_bound() -> usize {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let bound = workers + 8;
    assert!(
        bound < CONNECTIONS / 2,
        "too many cores for this test to mean anything"
    );
    bound
}

fn assert_bounded(server: &Server, protocol: &str, when: &str) {
    let threads = server.threads();
    eprintln!(
        "serve {protocol} ({:?}): {threads} threads with {CONNECTIONS} connections {when}",
        server.tls
    );
    assert!(
        threads <= thread_bound(),
        "serve {protocol} ({:?}) has {threads} threads for {CONNECTIONS} connections {when}",
        server.tls
    );
}

/// Opens [`CONNECTIONS`] connections and keeps them all open; `greet`
/// proves each is served (a greeting read, STARTTLS performed, a
/// request answered). The thread count is checked once all are open and
/// again once all are greeted; then `converse` runs on a fresh one.
fn hold_many(
    protocol: &str,
    tls: Mode,
    greet: impl Fn(&Server, &mut Conn),
    converse: impl Fn(&Server, &mut Conn),
) {
    let server = start(protocol, tls);
    let mut conns: Vec<Conn> = (0..CONNECTIONS).map(|_| server.connect()).collect();
    assert_bounded(&server, protocol, "open");
    for conn in &mut conns {
        greet(&server, conn);
    }
    assert_bounded(&server, protocol, "greeted");
    let mut fresh = server.connect();
    converse(&server, &mut fresh);
    drop(conns);
}

// ---- HTTP ------------------------------------------------------------

fn http_get(conn: &mut Conn) {
    send(conn, "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let got = expect(conn, HELLO);
    assert!(got.starts_with(b"HTTP/1.1 200 "), "{}", lossy(&got));
}

#[test]
fn serve_http_and_https_hold_200_connections_on_a_few_threads() {
    for tls in [Mode::Plain, Mode::Implicit] {
        hold_many(
            "http",
            tls,
            |_, conn| {
                if tls == Mode::Implicit {
                    let alpn = conn.client_connection().and_then(|c| c.alpn_protocol());
                    assert_eq!(alpn, Some(&b"http/1.1"[..]), "HTTPS keeps ALPN http/1.1");
                }
                http_get(conn);
            },
            |_, conn| {
                // Keep-alive: two requests on one connection.
                http_get(conn);
                http_get(conn);
            },
        );
    }
}

// ---- SMTP ------------------------------------------------------------

fn smtp_greet(server: &Server, conn: &mut Conn) {
    expect(conn, b"220 ");
    if server.tls == Mode::StartTls {
        send(conn, "EHLO client\r\n");
        let caps = expect(conn, b"\n250 ");
        assert!(contains(&caps, b"STARTTLS"), "{}", lossy(&caps));
        send(conn, "STARTTLS\r\n");
        expect(conn, b"220 ");
        server.upgrade(conn);
    }
    send(conn, "EHLO client\r\n");
    let caps = expect(conn, b"\n250 ");
    assert!(!contains(&caps, b"STARTTLS"), "{}", lossy(&caps));
}

#[test]
fn serve_smtp_holds_200_connections_on_a_few_threads() {
    for tls in [Mode::Plain, Mode::StartTls, Mode::Implicit] {
        hold_many("smtp", tls, smtp_greet, |server, conn| {
            smtp_greet(server, conn);
            // AUTH PLAIN "\0u\0p".
            send(conn, "AUTH PLAIN AHUAcA==\r\n");
            expect(conn, b"235 ");
            send(conn, "MAIL FROM:<a@example.com>\r\n");
            expect(conn, b"250 ");
            send(conn, "RCPT TO:<b@example.com>\r\n");
            expect(conn, b"250 ");
            send(conn, "DATA\r\n");
            expect(conn, b"354 ");
            send(conn, "Subject: tasks\r\n\r\nDelivered.\r\n.\r\n");
            expect(conn, b"250 ");
            send(conn, "QUIT\r\n");
            expect(conn, b"221 ");
            let stored = delivered(&server.root);
            assert_eq!(stored.len(), 2, "one message was there, one delivered");
            let found = stored
                .iter()
                .any(|p| contains(&std::fs::read(p).unwrap(), b"\r\n\r\nDelivered.\r\n"));
            assert!(found, "the delivered message is in new/");
        });
    }
}

fn delivered(root: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(root.join("new"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect()
}

// ---- POP3 ------------------------------------------------------------

fn pop3_greet(server: &Server, conn: &mut Conn) {
    expect(conn, b"+OK");
    if server.tls == Mode::StartTls {
        send(conn, "STLS\r\n");
        expect(conn, b"+OK");
        server.upgrade(conn);
    }
    send(conn, "CAPA\r\n");
    let caps = expect(conn, b"\r\n.\r\n");
    assert!(!contains(&caps, b"STLS"), "{}", lossy(&caps));
}

#[test]
fn serve_pop3_holds_200_connections_on_a_few_threads() {
    for tls in [Mode::Plain, Mode::StartTls, Mode::Implicit] {
        hold_many("pop3", tls, pop3_greet, |server, conn| {
            pop3_greet(server, conn);
            send(conn, "USER u\r\n");
            expect(conn, b"+OK");
            send(conn, "PASS p\r\n");
            expect(conn, b"+OK");
            send(conn, "STAT\r\n");
            expect(conn, b"+OK 1 ");
            send(conn, "RETR 1\r\n");
            let got = expect(conn, b"\r\n.\r\n");
            assert!(
                contains(&got, b"One task per connection."),
                "{}",
                lossy(&got)
            );
            send(conn, "QUIT\r\n");
            expect(conn, b"+OK");
        });
    }
}

// ---- IMAP ------------------------------------------------------------

fn imap_greet(server: &Server, conn: &mut Conn) {
    expect(conn, b"* OK");
    if server.tls == Mode::StartTls {
        send(conn, "s STARTTLS\r\n");
        expect(conn, b"s OK");
        server.upgrade(conn);
    }
    send(conn, "n NOOP\r\n");
    expect(conn, b"n OK");
}

#[test]
fn serve_imap_holds_200_connections_on_a_few_threads() {
    for tls in [Mode::Plain, Mode::StartTls, Mode::Implicit] {
        hold_many("imap", tls, imap_greet, |server, conn| {
            imap_greet(server, conn);
            send(conn, "a LOGIN u p\r\n");
            expect(conn, b"a OK");
            send(conn, "b SELECT INBOX\r\n");
            expect(conn, b"b OK");
            send(conn, "c FETCH 1 BODY[]\r\n");
            let got = expect(conn, b"c OK");
            assert!(
                contains(&got, b"One task per connection."),
                "{}",
                lossy(&got)
            );
            send(conn, "d LOGOUT\r\n");
            expect(conn, b"d OK");
        });
    }
}

// ---- NNTP ------------------------------------------------------------

fn nntp_greet(server: &Server, conn: &mut Conn) {
    expect(conn, b"200 ");
    if server.tls == Mode::StartTls {
        send(conn, "STARTTLS\r\n");
        expect(conn, b"382 ");
        server.upgrade(conn);
    }
    send(conn, "CAPABILITIES\r\n");
    let caps = expect(conn, b"\r\n.\r\n");
    assert!(caps.starts_with(b"101 "), "{}", lossy(&caps));
    assert!(!contains(&caps, b"STARTTLS"), "{}", lossy(&caps));
}

#[test]
fn serve_nntp_holds_200_connections_on_a_few_threads() {
    for tls in [Mode::Plain, Mode::StartTls, Mode::Implicit] {
        hold_many("nntp", tls, nntp_greet, |server, conn| {
            nntp_greet(server, conn);
            send(conn, "AUTHINFO USER u\r\n");
            expect(conn, b"381 ");
            send(conn, "AUTHINFO PASS p\r\n");
            expect(conn, b"281 ");
            send(conn, "GROUP sanswire.test\r\n");
            expect(conn, b"211 1 1 1 sanswire.test");
            send(conn, "ARTICLE 1\r\n");
            let got = expect(conn, b"\r\n.\r\n");
            assert!(got.starts_with(b"220 1 "), "{}", lossy(&got));
            assert!(
                contains(&got, b"One task per connection."),
                "{}",
                lossy(&got)
            );
            send(conn, "QUIT\r\n");
            expect(conn, b"205");
        });
    }
}

// ---- Gopher ----------------------------------------------------------

#[test]
fn serve_gopher_holds_200_connections_on_a_few_threads() {
    for tls in [Mode::Plain, Mode::Implicit] {
        hold_many(
            "gopher",
            tls,
            |_, conn| {
                // Each of the 200 waited for its request until now.
                send(conn, "/hello.txt\r\n");
                let got = read_to_end(conn);
                assert!(contains(&got, b"hello from serve\r\n"), "{}", lossy(&got));
            },
            |server, conn| {
                send(conn, "\r\n");
                let menu = read_to_end(conn);
                assert!(contains(&menu, b"\t/hello.txt\t"), "{}", lossy(&menu));
                assert!(menu.ends_with(b".\r\n"), "{}", lossy(&menu));
                let mut conn = server.connect();
                send(&mut conn, "hello.txt\r\n");
                assert!(contains(&read_to_end(&mut conn), b"hello from serve\r\n"));
            },
        );
    }
}

// ---- Telnet ----------------------------------------------------------

#[test]
fn serve_telnet_holds_200_connections_on_a_few_threads() {
    hold_many(
        "telnet",
        Mode::Plain,
        // A client that ignores the negotiation is greeted after a second.
        |_, conn| {
            expect(conn, b"Welcome to the sanswire telnet echo.");
        },
        |_, conn| {
            expect(conn, b"Type a line; quit ends.");
            send(conn, "one task each\r\n");
            expect(conn, b"one task each");
            send(conn, "quit\r\n");
            expect(conn, b"Bye.");
        },
    );
}

/// COMPRESS inside STARTTLS on the tokio path: the deflate layer sits on
/// the machine, the TLS under the driver.
#[test]
fn serve_nntp_compresses_inside_starttls_on_tokio() {
    use sanswire::nntp::ArticleRef;
    let server = start("nntp", Mode::StartTls);
    let mut news =
        sanswire::io::nntp::Client::connect_starttls(&server.addr, &server.connector, "localhost")
            .unwrap();
    assert!(news.driver().stream().is_tls());
    news.login("u", "p").unwrap();
    assert_eq!(news.compress().unwrap().code, 206);
    assert!(news.machine().is_compressed());
    news.group("sanswire.test").unwrap();
    assert_eq!(news.article(ArticleRef::Number(1)).unwrap(), MESSAGE);
    assert_eq!(news.quit().unwrap().code, 205);
}

// ---- FTP -------------------------------------------------------------

fn ftp_greet(server: &Server, conn: &mut Conn) {
    expect(conn, b"220 ");
    if server.tls == Mode::StartTls {
        send(conn, "AUTH TLS\r\n");
        expect(conn, b"234 ");
        server.upgrade(conn);
    }
    send(conn, "USER u\r\n");
    expect(conn, b"331 ");
    send(conn, "PASS p\r\n");
    expect(conn, b"230 ");
}

/// A download on a data connection of its own (over TLS, resuming the
/// control connection's session, as `serve ftp` requires), with the
/// typed session: the tokio handler's transfers, not only its replies.
fn ftp_download(server: &Server) {
    use sanswire::ftp::ops::Transfer;
    use sanswire::io::ftp::Client;
    let retr = || Transfer::Retr("hello.txt".into(), 0);
    let got = match server.tls {
        Mode::Plain => {
            let mut ftp = Client::connect(&server.addr).unwrap();
            ftp.login("u", "p").unwrap();
            let got = ftp.fetch_all(retr()).unwrap();
            ftp.quit().unwrap();
            got
        }
        mode => {
            let (addr, connector) = (&server.addr, &server.connector);
            let mut ftp = match mode {
                Mode::StartTls => Client::connect_explicit_tls(addr, connector, "localhost"),
                _ => Client::connect_implicit_tls(addr, connector, "localhost"),
            }
            .unwrap();
            ftp.login("u", "p").unwrap();
            let got = ftp.fetch_all(retr()).unwrap();
            ftp.quit().unwrap();
            got
        }
    };
    assert_eq!(got, HELLO);
}

#[test]
fn serve_ftp_holds_200_connections_on_a_few_threads() {
    for tls in [Mode::Plain, Mode::StartTls, Mode::Implicit] {
        hold_many("ftp", tls, ftp_greet, |server, conn| {
            ftp_greet(server, conn);
            ftp_download(server);
        });
    }
}
