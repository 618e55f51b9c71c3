//! SMTP and POP3 over TLS, end to end over loopback: the async typed
//! clients (tokio and futures-io) against `serve smtp`/`serve pop3`, plain,
//! with STARTTLS/STLS and with implicit TLS; the refusals when TLS is
//! required and not offered (with the exact bytes the server saw); and
//! plaintext injected around the upgrade, for both protocols and both
//! roles, at the socket level.

mod common;
#[path = "common/pki.rs"]
mod pki;

use common::{scratch, serve, Proc};
use pki::Pki;
use sanswire::io::nonblocking::{self, AsyncIo};
use sanswire::io::tls::nonblocking::{AsyncTls, Stream};
use sanswire::io::tls::TlsConnector;
use sanswire::io::DriveError;
use sanswire::smtp::{self, Envelope};
use sanswire::wire::TlsUnavailable;
use sanswire::{io, pop3};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

const MESSAGE: &[u8] = b"Subject: over TLS\r\n\r\nHello.\r\n.leading dot\r\n";

/// How a client reaches the servers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Plain,
    StartTls,
    Implicit,
}

/// `serve smtp` and `serve pop3` on one maildir, each twice: with
/// STARTTLS/STLS offered, and with implicit TLS.
struct Servers {
    _procs: Vec<Proc>,
    smtp: String,
    smtps: String,
    pop3: String,
    pop3s: String,
    connector: TlsConnector,
}

impl Servers {
    fn start(name: &str) -> Servers {
        let root = scratch(name);
        let keys = root.join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        let (ca, cert, key) = Pki::new().write(&keys);
        let maildir = root.join("mail");
        std::fs::create_dir_all(&maildir).unwrap();
        let tls = [
            "--root",
            maildir.to_str().unwrap(),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ];
        let with = |extra: &[&'static str]| [&tls[..], extra].concat();
        let (a, smtp) = serve("smtp", &tls);
        let (b, smtps) = serve("smtp", &with(&["--implicit-tls"]));
        let (c, pop3) = serve("pop3", &with(&["--user", "alice:secret"]));
        let (d, pop3s) = serve("pop3", &with(&["--user", "alice:secret", "--implicit-tls"]));
        Servers {
            _procs: vec![a, b, c, d],
            smtp,
            smtps,
            pop3,
            pop3s,
            connector: TlsConnector::with_ca_file(ca).unwrap(),
        }
    }

    fn addrs(&self, mode: Mode) -> (&str, &str) {
        match mode {
            Mode::Implicit => (&self.smtps, &self.pop3s),
            _ => (&self.smtp, &self.pop3),
        }
    }
}

/// What `serve pop3` hands back for a message `serve smtp` stored.
fn stored(message: &[u8]) -> Vec<u8> {
    [
        &b"Return-Path: <alice@test>\r\nDelivered-To: bob@test\r\n"[..],
        message,
    ]
    .concat()
}

/// Sends [`MESSAGE`] with the async SMTP client and fetches it back as
/// message `n` with the async POP3 client, over streams of any async I/O
/// family, upgrading both with STARTTLS/STLS when `mode` says so.
async fn send_and_fetch<T, R>(
    servers: &Servers,
    mode: Mode,
    n: u32,
    smtp_stream: Stream<T, R>,
    pop_stream: Stream<T, R>,
) where
    T: AsyncIo<R> + Unpin,
    R: AsyncTls<T>,
    Stream<T, R>: AsyncIo<R> + Unpin,
{
    let tls = mode != Mode::Plain;
    let machine = smtp::Client::new("client.test").unwrap();
    let mut mail = nonblocking::smtp::Client::<_, R>::new(smtp_stream, machine)
        .await
        .unwrap();
    assert_eq!(mail.capabilities().starttls, mode != Mode::Implicit);
    if mode == Mode::StartTls {
        let caps = mail
            .starttls(&servers.connector, "localhost")
            .await
            .unwrap();
        assert!(!caps.starttls, "STARTTLS offered again over TLS");
        assert!(mail.driver().machine().is_tls());
    }
    assert_eq!(mail.driver().stream().is_tls(), tls);
    let envelope = Envelope::new("alice@test", ["bob@test"]);
    let outcome = mail.send_envelope(envelope, MESSAGE).await.unwrap();
    assert!(outcome.is_complete(), "{outcome:?}");
    let bye = mail.single(smtp::ops::Single::quit()).await.unwrap();
    assert_eq!(bye.code(), 221);

    let mut pop = nonblocking::pop3::Client::<_, R>::new(pop_stream)
        .await
        .unwrap();
    if mode == Mode::StartTls {
        let caps = pop.starttls(&servers.connector, "localhost").await.unwrap();
        assert!(!caps.stls(), "STLS offered again over TLS");
        assert!(pop.driver().machine().is_tls());
    } else {
        assert_eq!(pop.capa().await.unwrap().stls(), !tls);
    }
    assert_eq!(pop.driver().stream().is_tls(), tls);
    pop.login("alice", "secret").await.unwrap();
    assert_eq!(pop.list().await.unwrap().len(), n as usize);
    assert_eq!(pop.retr(n).await.unwrap(), stored(MESSAGE));
    let (count, _) = pop.call(pop3::ops::Stat::new()).await.unwrap();
    assert_eq!(count, n);
    pop.quit().await.unwrap();
}

#[tokio::test]
async fn tokio_smtp_and_pop3_plain_starttls_and_implicit() {
    use tokio::net::TcpStream;
    let servers = Servers::start("mail-tls-tokio");
    for (n, mode) in [Mode::Plain, Mode::StartTls, Mode::Implicit]
        .into_iter()
        .enumerate()
    {
        let (smtp, pop) = servers.addrs(mode);
        let open = |addr: String| {
            let connector = servers.connector.clone();
            async move {
                let tcp = TcpStream::connect(addr).await.unwrap();
                match mode {
                    Mode::Implicit => Stream::connect(tcp, &connector, "localhost").await.unwrap(),
                    _ => Stream::plain(tcp),
                }
            }
        };
        let (s, p) = (open(smtp.to_string()).await, open(pop.to_string()).await);
        send_and_fetch::<_, io::tokio::Tokio>(&servers, mode, n as u32 + 1, s, p).await;
    }
}

#[test]
fn futures_io_smtp_and_pop3_plain_starttls_and_implicit() {
    use async_io::Async;
    let servers = Servers::start("mail-tls-futures");
    for (n, mode) in [Mode::Plain, Mode::StartTls, Mode::Implicit]
        .into_iter()
        .enumerate()
    {
        futures_lite::future::block_on(async {
            let (smtp, pop) = servers.addrs(mode);
            let open = |addr: &str| {
                let addr: std::net::SocketAddr = addr.parse().unwrap();
                let connector = servers.connector.clone();
                async move {
                    let tcp = Async::<TcpStream>::connect(addr).await.unwrap();
                    match mode {
                        Mode::Implicit => {
                            Stream::connect(tcp, &connector, "localhost").await.unwrap()
                        }
                        _ => Stream::plain(tcp),
                    }
                }
            };
            let (s, p) = (open(smtp).await, open(pop).await);
            send_and_fetch::<_, io::futures::FuturesIo>(&servers, mode, n as u32 + 1, s, p).await;
        });
    }
}

/// The blocking typed clients' TLS constructors against the same servers.
#[test]
fn blocking_clients_connect_starttls_and_implicit() {
    let servers = Servers::start("mail-tls-blocking");
    let c = &servers.connector;
    let mut mail =
        io::smtp::Client::connect_starttls(&servers.smtp, "client.test", c, "localhost").unwrap();
    assert!(mail.driver().stream().is_tls() && !mail.capabilities().starttls);
    mail.send_mail("alice@test", ["bob@test"], MESSAGE).unwrap();
    mail.quit().unwrap();
    let mut mail =
        io::smtp::Client::connect_tls(&servers.smtps, "client.test", c, "localhost").unwrap();
    mail.send_mail("alice@test", ["bob@test"], MESSAGE).unwrap();
    mail.quit().unwrap();

    let mut pop = io::pop3::Client::connect_stls(&servers.pop3, c, "localhost").unwrap();
    assert!(pop.driver().stream().is_tls());
    pop.login("alice", "secret").unwrap();
    assert_eq!(pop.retr(1).unwrap(), stored(MESSAGE));
    pop.quit().unwrap();
    let mut pop = io::pop3::Client::connect_tls(&servers.pop3s, c, "localhost").unwrap();
    pop.login("alice", "secret").unwrap();
    assert_eq!(pop.retr(2).unwrap(), stored(MESSAGE));
    pop.quit().unwrap();
}

// --- TLS required, not offered: a typed error, nothing more sent ---

/// A scripted server: sends each `(expect, answer)` answer after reading
/// exactly `expect`, then returns everything else the client sent until
/// it closed.
fn scripted(
    greeting: &'static [u8],
    script: Vec<(&'static [u8], &'static [u8])>,
) -> (String, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.write_all(greeting).unwrap();
        for (expect, answer) in script {
            let mut got = vec![0; expect.len()];
            tcp.read_exact(&mut got).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(expect)
            );
            tcp.write_all(answer).unwrap();
        }
        let mut rest = Vec::new();
        let _ = tcp.read_to_end(&mut rest);
        rest
    });
    (addr, handle)
}

fn connector() -> TlsConnector {
    TlsConnector::dangerous_accept_any_certificate()
}

#[test]
fn smtp_required_tls_not_offered_sends_nothing_after_ehlo() {
    let (addr, server) = scripted(
        b"220 mx ESMTP\r\n",
        vec![(
            b"EHLO client.test\r\n",
            b"250-mx\r\n250-AUTH PLAIN\r\n250 PIPELINING\r\n",
        )],
    );
    let err =
        io::smtp::Client::connect_starttls(&addr, "client.test", &connector(), "mx").unwrap_err();
    assert!(
        matches!(
        err,
        DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), smtp::ErrorKind::TlsUnavailable(TlsUnavailable::NotOffered {
            command: "STARTTLS"
        }))),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"");
}

#[test]
fn smtp_required_tls_refused_sends_nothing_after_starttls() {
    let (addr, server) = scripted(
        b"220 mx ESMTP\r\n",
        vec![
            (b"EHLO client.test\r\n", b"250-mx\r\n250 STARTTLS\r\n"),
            (b"STARTTLS\r\n", b"454 4.7.0 TLS not available\r\n"),
        ],
    );
    let err =
        io::smtp::Client::connect_starttls(&addr, "client.test", &connector(), "mx").unwrap_err();
    assert!(
        matches!(
        err,
        DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), smtp::ErrorKind::TlsUnavailable(TlsUnavailable::Refused {
            command: "STARTTLS",
            code: Some(454)
        }))),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"");
}

/// The machine alone, without the op: with require-TLS set, AUTH and MAIL
/// are refused locally while the session is plaintext.
#[test]
fn smtp_machine_refuses_auth_and_mail_before_tls() {
    use sanswire::wire::{Machine, Next};
    let mut c = smtp::Client::new("client.test").unwrap();
    c.set_require_tls(true);
    c.receive(b"220 mx\r\n");
    c.poll_event().unwrap();
    c.outbox().take_vec();
    c.receive(b"250-mx\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n");
    assert!(matches!(
        c.poll_event().unwrap(),
        Next::Event(smtp::Event::Ready { .. })
    ));
    let creds = sanswire::sasl::Credentials::new("a", "b");
    assert!(matches!(
        c.login(&creds),
        Err(ref kind_err) if matches!(kind_err.kind(), smtp::ErrorKind::OutOfSequence(_))));
    let env = Envelope::new("a@test", ["b@test"]);
    assert!(matches!(
        c.send_mail(&env, &b"x\r\n"[..]),
        Err(ref kind_err) if matches!(kind_err.kind(), smtp::ErrorKind::OutOfSequence(_))));
    assert!(c.outbox().is_empty());
}

#[test]
fn pop3_required_tls_not_offered_sends_nothing_after_capa() {
    let (addr, server) = scripted(
        b"+OK ready\r\n",
        vec![(b"CAPA\r\n", b"+OK\r\nUSER\r\nUIDL\r\n.\r\n")],
    );
    let err = io::pop3::Client::connect_stls(&addr, &connector(), "mx").unwrap_err();
    assert!(
        matches!(
        err,
        DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::TlsUnavailable(TlsUnavailable::NotOffered {
            command: "STLS"
        }))),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"");

    // A server that does not know CAPA cannot offer STLS either.
    let (addr, server) = scripted(b"+OK ready\r\n", vec![(b"CAPA\r\n", b"-ERR what?\r\n")]);
    let err = io::pop3::Client::connect_stls(&addr, &connector(), "mx").unwrap_err();
    assert!(
        matches!(err, DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::TlsUnavailable(_))),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"");
}

#[test]
fn pop3_required_tls_refused_sends_nothing_after_stls() {
    let (addr, server) = scripted(
        b"+OK ready\r\n",
        vec![
            (b"CAPA\r\n", b"+OK\r\nSTLS\r\n.\r\n"),
            (b"STLS\r\n", b"-ERR not now\r\n"),
        ],
    );
    let err = io::pop3::Client::connect_stls(&addr, &connector(), "mx").unwrap_err();
    assert!(
        matches!(
        err,
        DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::TlsUnavailable(TlsUnavailable::Refused {
            command: "STLS",
            code: None
        }))),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"");
}

// --- plaintext injected around the upgrade ---

/// An SMTP server sends its STARTTLS go-ahead and a forged reply in one
/// segment: the typed client refuses and sends no ClientHello.
#[test]
fn smtp_client_refuses_plaintext_injected_after_go_ahead() {
    let (addr, server) = scripted(
        b"220 mx ESMTP\r\n",
        vec![
            (b"EHLO client.test\r\n", b"250-mx\r\n250 STARTTLS\r\n"),
            (
                b"STARTTLS\r\n",
                b"220 go ahead\r\n250-forged\r\n250 AUTH PLAIN\r\n",
            ),
        ],
    );
    let err =
        io::smtp::Client::connect_starttls(&addr, "client.test", &connector(), "mx").unwrap_err();
    assert!(
        matches!(
            err,
            DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), smtp::ErrorKind::PlaintextAfterUpgrade)),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"");
}

/// The same for POP3 through the typed client's `connect_stls`.
#[test]
fn pop3_typed_client_refuses_plaintext_injected_after_go_ahead() {
    let (addr, server) = scripted(
        b"+OK ready\r\n",
        vec![
            (b"CAPA\r\n", b"+OK\r\nSTLS\r\n.\r\n"),
            (b"STLS\r\n", b"+OK go\r\n+OK forged\r\n"),
        ],
    );
    let err = io::pop3::Client::connect_stls(&addr, &connector(), "mx").unwrap_err();
    assert!(
        matches!(
            err,
            DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::PlaintextAfterUpgrade)),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"");
}

/// Reads one reply or response (up to the line that ends it).
fn read_until(tcp: &mut TcpStream, end: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut byte = [0u8];
    while !got.ends_with(end) {
        tcp.read_exact(&mut byte).unwrap();
        got.push(byte[0]);
    }
    got
}

/// Reads one whole SMTP reply (up to its `250 ` line).
fn read_reply(tcp: &mut TcpStream) -> Vec<u8> {
    let mut reply = Vec::new();
    loop {
        let line = read_until(tcp, b"\r\n");
        reply.extend_from_slice(&line);
        if line.get(3) == Some(&b' ') {
            return reply;
        }
    }
}

/// A client pipelines a command behind STARTTLS in one segment: `serve
/// smtp` answers nothing more (no go-ahead, no handshake, no reply to the
/// smuggled command).
#[test]
fn serve_smtp_refuses_a_command_pipelined_behind_starttls() {
    let servers = Servers::start("mail-tls-inject-smtp");
    let mut tcp = TcpStream::connect(&servers.smtp).unwrap();
    read_until(&mut tcp, b"\r\n");
    tcp.write_all(b"EHLO evil.test\r\n").unwrap();
    let caps = read_reply(&mut tcp);
    assert!(
        String::from_utf8_lossy(&caps).contains("STARTTLS"),
        "{caps:?}"
    );
    tcp.write_all(b"STARTTLS\r\nMAIL FROM:<mallory@test>\r\n")
        .unwrap();
    let mut rest = Vec::new();
    let _ = tcp.read_to_end(&mut rest);
    assert_eq!(String::from_utf8_lossy(&rest), "");
}

/// The same for `serve pop3` and STLS.
#[test]
fn serve_pop3_refuses_a_command_pipelined_behind_stls() {
    let servers = Servers::start("mail-tls-inject-pop3");
    let mut tcp = TcpStream::connect(&servers.pop3).unwrap();
    read_until(&mut tcp, b"\r\n");
    tcp.write_all(b"STLS\r\nUSER mallory\r\n").unwrap();
    let mut rest = Vec::new();
    let _ = tcp.read_to_end(&mut rest);
    assert_eq!(String::from_utf8_lossy(&rest), "");
}

/// The POP3 machine alone: with require-TLS set, USER, AUTH and raw
/// commands are refused locally while the session is plaintext; CAPA,
/// STLS, NOOP and QUIT are not.
#[test]
fn pop3_machine_refuses_login_before_tls() {
    use sanswire::wire::Machine;
    let mut c = pop3::Client::new();
    c.set_require_tls(true);
    c.receive(b"+OK ready\r\n");
    c.poll_event().unwrap();
    assert!(matches!(
        c.user("alice"),
        Err(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::OutOfSequence(_))));
    assert!(matches!(
        c.auth(sanswire::sasl::Plain::new("alice", "secret")),
        Err(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::OutOfSequence(_))));
    assert!(matches!(
        c.send_raw(b"XTND", false),
        Err(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::OutOfSequence(_))));
    assert!(c.outbox().is_empty());
    c.capa().unwrap();
    assert_eq!(c.outbox().take_vec(), b"CAPA\r\n");
}
