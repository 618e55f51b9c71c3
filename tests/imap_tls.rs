//! IMAP over TLS, end to end over loopback: `serve imap` with STARTTLS and
//! with implicit TLS; the blocking and tokio typed clients, COMPRESS
//! inside TLS, and curl against fetch over `imaps://` and `--ssl-reqd`.

mod common;
#[path = "common/pki.rs"]
mod pki;

use bytes::Bytes;
use common::{example, scratch, serve, Proc};
use pki::Pki;
use sanswire::imap::{Command, ErrorKind, FetchAttr, FetchItem, SeqSet};
use sanswire::io::{self, DriveError};
use std::path::PathBuf;
use std::process::Command as Run;

const MESSAGE: &[u8] = b"Subject: over TLS\r\n\r\nHello.\r\n";

struct Servers {
    _procs: Vec<Proc>,
    plain: String,
    starttls: String,
    implicit: String,
    ca: PathBuf,
    connector: io::tls::TlsConnector,
}

fn start(name: &str) -> Servers {
    let root = scratch(name);
    let keys = root.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let pki = Pki::new();
    let (ca, cert, key) = pki.write(&keys);
    let maildir = root.join("mail");
    std::fs::create_dir_all(maildir.join("new")).unwrap();
    std::fs::write(maildir.join("new").join("1700000000.M1.t"), MESSAGE).unwrap();
    let base = [
        "--root",
        maildir.to_str().unwrap(),
        "--user",
        "alice:secret",
    ];
    let tls = [
        &base[..],
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    ]
    .concat();
    let (a, plain) = serve("imap", &base);
    let (b, starttls) = serve("imap", &tls);
    let (c, implicit) = serve("imap", &[&tls[..], &["--implicit-tls"]].concat());
    Servers {
        _procs: vec![a, b, c],
        plain,
        starttls,
        implicit,
        ca,
        connector: pki.connector(),
    }
}

fn body(fetched: Vec<(u32, Vec<FetchItem>)>) -> Bytes {
    fetched
        .into_iter()
        .flat_map(|(_, items)| items)
        .find_map(|i| match i {
            FetchItem::Section { data: Some(d), .. } => Some(d),
            _ => None,
        })
        .unwrap()
}

fn whole() -> Vec<FetchAttr> {
    vec![FetchAttr::Section {
        peek: true,
        section: Bytes::new(),
        partial: None,
    }]
}

#[test]
fn blocking_client_starttls_implicit_and_compress_inside_tls() {
    let s = start("imap-tls-blocking");
    let mut imap =
        io::imap::Client::connect_starttls(&s.starttls, &s.connector, "localhost").unwrap();
    assert!(imap.driver().stream().is_tls());
    assert!(imap.machine().is_tls());
    // Capabilities were asked for again over TLS: no STARTTLS there.
    assert!(!imap.machine().has_capability("STARTTLS"));
    imap.login("alice", "secret").unwrap();
    imap.command(Command::Compress(Bytes::from_static(b"DEFLATE")))
        .unwrap();
    imap.select("INBOX").unwrap();
    assert_eq!(
        body(imap.uid_fetch(SeqSet::single(1), whole()).unwrap()),
        MESSAGE
    );
    imap.logout().unwrap();

    let mut imap = io::imap::Client::connect_tls(&s.implicit, &s.connector, "localhost").unwrap();
    imap.login("alice", "secret").unwrap();
    imap.select("INBOX").unwrap();
    assert_eq!(
        body(imap.fetch(SeqSet::single(1), whole()).unwrap()),
        MESSAGE
    );
    imap.logout().unwrap();

    // TLS required, the server offers no STARTTLS: a typed error.
    let err = io::imap::Client::connect_starttls(&s.plain, &s.connector, "localhost").unwrap_err();
    assert!(
        matches!(&err, DriveError::Protocol(e) if e.kind() == ErrorKind::TlsUnavailable),
        "{err:?}"
    );
}

#[tokio::test]
async fn tokio_client_plain_and_implicit() {
    use sanswire::io::tls::nonblocking::Stream;
    let s = start("imap-tls-tokio");
    let tcp = tokio::net::TcpStream::connect(&s.plain).await.unwrap();
    let mut imap = io::tokio::imap::Client::new(Stream::plain(tcp))
        .await
        .unwrap();
    imap.login("alice", "secret").await.unwrap();
    imap.select("INBOX").await.unwrap();
    assert_eq!(
        body(imap.fetch(SeqSet::single(1), whole()).await.unwrap()),
        MESSAGE
    );
    // IDLE with a deadline on the machine's timer, run by the async driver.
    let started = std::time::Instant::now();
    let updates = imap
        .idle(Some(std::time::Duration::from_millis(300)))
        .await
        .unwrap();
    assert!(updates.is_empty(), "{updates:?}");
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    imap.logout().await.unwrap();
    let tcp = tokio::net::TcpStream::connect(&s.implicit).await.unwrap();
    let tls = Stream::connect(tcp, &s.connector, "localhost")
        .await
        .unwrap();
    let mut imap = io::tokio::imap::Client::new(tls).await.unwrap();
    imap.login("alice", "secret").await.unwrap();
    assert_eq!(imap.list("", "*").await.unwrap().len(), 1);
    imap.logout().await.unwrap();
}

#[test]
fn curl_and_fetch_agree_over_tls() {
    let s = start("imap-tls-curl");
    let ca = s.ca.to_str().unwrap();
    let port = |a: &str| a.rsplit_once(':').unwrap().1.to_string();
    let cases = [
        (
            format!(
                "imaps://alice:secret@localhost:{}/INBOX/;UID=1",
                port(&s.implicit)
            ),
            vec![],
        ),
        (
            format!(
                "imap://alice:secret@localhost:{}/INBOX/;UID=1",
                port(&s.starttls)
            ),
            vec!["--ssl-reqd"],
        ),
        (
            format!("imap://alice:secret@localhost:{}/", port(&s.plain)),
            vec!["--ssl-reqd"],
        ),
    ];
    for (url, extra) in cases {
        let go = |tool: &mut Run| {
            let out = tool
                .args(["-s", "-m", "5", "--cacert", ca])
                .args(&extra)
                .arg(&url)
                .output()
                .unwrap();
            (out.status.code(), out.stdout)
        };
        let theirs = go(&mut Run::new("curl"));
        let ours = go(&mut Run::new(example("fetch")));
        assert_eq!(ours, theirs, "{url} {extra:?}");
    }
}

// --- plaintext injected around the upgrade, over sockets, both roles ---

/// An IMAP server sends its STARTTLS OK and a forged response in one
/// segment: the typed client refuses it and sends nothing more, not even
/// a ClientHello.
#[test]
fn client_refuses_plaintext_injected_after_the_starttls_ok() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.write_all(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
            .unwrap();
        let mut got = vec![0; b"A1 STARTTLS\r\n".len()];
        tcp.read_exact(&mut got).unwrap();
        assert_eq!(got, b"A1 STARTTLS\r\n");
        tcp.write_all(b"A1 OK begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] forged\r\n")
            .unwrap();
        let mut rest = Vec::new();
        let _ = tcp.read_to_end(&mut rest);
        rest
    });
    let connector = io::tls::TlsConnector::dangerous_accept_any_certificate();
    let err = io::imap::Client::connect_starttls(&addr, &connector, "localhost").unwrap_err();
    assert!(
        matches!(&err, DriveError::Protocol(e) if e.kind() == ErrorKind::PlaintextAfterUpgrade),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"");
}

/// A client pipelines a command behind STARTTLS in one segment: `serve
/// imap` completes STARTTLS and answers nothing more (no handshake, no
/// answer to the smuggled command), then closes.
#[test]
fn serve_refuses_a_command_pipelined_behind_starttls() {
    use std::io::{Read, Write};
    let s = start("imap-tls-inject");
    let mut tcp = std::net::TcpStream::connect(&s.starttls).unwrap();
    let mut greeting = Vec::new();
    let mut byte = [0u8];
    while !greeting.ends_with(b"\r\n") {
        tcp.read_exact(&mut byte).unwrap();
        greeting.push(byte[0]);
    }
    tcp.write_all(b"a1 STARTTLS\r\na2 LOGIN alice secret\r\n")
        .unwrap();
    let mut rest = Vec::new();
    let _ = tcp.read_to_end(&mut rest);
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        rest.is_empty() || (rest.starts_with("a1 OK") && rest.matches("\r\n").count() == 1),
        "{rest:?}"
    );
    assert!(!rest.contains("a2"), "{rest:?}");
}
