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
