//! NNTP over TLS, end to end over loopback: the blocking and tokio typed
//! clients and `fetch` against `serve nntp` with STARTTLS (RFC 4642) and
//! with implicit TLS (NNTPS); TLS required and not offered (a typed
//! error, nothing more sent); plaintext injected behind the go-ahead,
//! refused by both roles.

mod common;
#[path = "common/pki.rs"]
mod pki;

use common::{example, run, scratch, serve, Proc};
use pki::Pki;
use sanswire::io::tls::nonblocking::Stream;
use sanswire::io::tls::TlsConnector;
use sanswire::io::DriveError;
use sanswire::nntp::{self, ArticleRef, ErrorKind};
use sanswire::wire::TlsUnavailable;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;

const ARTICLE: &[u8] =
    b"From: a@example.org\r\nSubject: over TLS\r\nMessage-ID: <1@tls>\r\n\r\n.leading dot\r\n";

struct Servers {
    _procs: Vec<Proc>,
    starttls: String,
    implicit: String,
    connector: TlsConnector,
    ca: PathBuf,
}

fn start(name: &str) -> Servers {
    let root = scratch(name);
    let keys = root.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let (ca, cert, key) = Pki::new().write(&keys);
    let spool = root.join("spool");
    std::fs::create_dir_all(spool.join("misc.test")).unwrap();
    std::fs::write(spool.join("misc.test").join("1"), ARTICLE).unwrap();
    let args = [
        "--root",
        spool.to_str().unwrap(),
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ];
    let (a, starttls) = serve("nntp", &args);
    let (b, implicit) = serve("nntp", &[&args[..], &["--implicit-tls"]].concat());
    Servers {
        _procs: vec![a, b],
        starttls,
        implicit,
        connector: TlsConnector::with_ca_file(&ca).unwrap(),
        ca,
    }
}

#[test]
fn blocking_client_starttls_and_implicit() {
    let s = start("nntp-tls-blocking");
    let mut news =
        sanswire::io::nntp::Client::connect_starttls(&s.starttls, &s.connector, "localhost")
            .unwrap();
    assert!(news.driver().stream().is_tls() && news.machine().is_tls());
    // Capabilities re-read over TLS: STARTTLS is not offered again.
    assert!(!news.capabilities().unwrap().starttls());
    news.group("misc.test").unwrap();
    assert_eq!(news.article(ArticleRef::Number(1)).unwrap(), ARTICLE);
    news.quit().unwrap();
    let mut news =
        sanswire::io::nntp::Client::connect_tls(&s.implicit, &s.connector, "localhost").unwrap();
    assert!(news.driver().stream().is_tls());
    assert!(!news.capabilities().unwrap().starttls());
    news.group("misc.test").unwrap();
    assert_eq!(
        news.body(ArticleRef::Number(1)).unwrap(),
        b".leading dot\r\n"
    );
    news.quit().unwrap();
}

#[tokio::test]
async fn tokio_client_starttls_and_implicit() {
    use tokio::net::TcpStream;
    let s = start("nntp-tls-tokio");
    use sanswire::io::tokio::nntp::Client;
    let tcp = TcpStream::connect(&s.starttls).await.unwrap();
    let mut news = Client::new(Stream::plain(tcp)).await.unwrap();
    assert!(news.capabilities().await.unwrap().starttls());
    news.starttls(&s.connector, "localhost").await.unwrap();
    assert!(news.driver().stream().is_tls());
    assert_eq!(news.group("misc.test").await.unwrap().count, 1);
    assert_eq!(news.article(ArticleRef::Number(1)).await.unwrap(), ARTICLE);
    news.quit().await.unwrap();
    let tcp = TcpStream::connect(&s.implicit).await.unwrap();
    let tls = Stream::connect(tcp, &s.connector, "localhost")
        .await
        .unwrap();
    let mut news = Client::new(tls).await.unwrap();
    let head = news
        .head(ArticleRef::MessageId("<1@tls>".into()))
        .await
        .unwrap();
    assert_eq!(
        head,
        &ARTICLE[..ARTICLE.len() - b"\r\n.leading dot\r\n".len()]
    );
    news.quit().await.unwrap();
}

#[test]
fn fetch_nntps_and_ssl_reqd() {
    let s = start("nntp-tls-fetch");
    let ca = s.ca.to_str().unwrap();
    let port = |addr: &str| addr.rsplit_once(':').unwrap().1.to_string();
    let url = format!("nntps://localhost:{}/misc.test/1", port(&s.implicit));
    let (ok, out, err) = run(Command::new(example("fetch")).args(["--cacert", ca, &url]));
    assert!(ok, "{err}");
    assert_eq!(out, ARTICLE);
    let url = format!("nntp://localhost:{}/misc.test/1", port(&s.starttls));
    let (ok, out, err) =
        run(Command::new(example("fetch")).args(["--ssl-reqd", "--cacert", ca, &url]));
    assert!(ok, "{err}");
    assert_eq!(out, ARTICLE);
}

/// A scripted server: after the greeting, sends each answer after reading
/// exactly what it expects, then returns all else the client sent.
fn scripted(
    script: Vec<(&'static [u8], &'static [u8])>,
) -> (String, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.write_all(b"200 news ready\r\n").unwrap();
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

fn any_cert() -> TlsConnector {
    TlsConnector::dangerous_accept_any_certificate()
}

#[test]
fn required_tls_not_offered_or_refused_sends_nothing_more() {
    let (addr, server) = scripted(vec![(
        b"CAPABILITIES\r\n",
        b"101 caps\r\nVERSION 2\r\nREADER\r\n.\r\n",
    )]);
    let err = sanswire::io::nntp::Client::connect_starttls(&addr, &any_cert(), "news").unwrap_err();
    assert!(
        matches!(&err, DriveError::Protocol(e) if e.tls() == Some(TlsUnavailable::NotOffered { command: "STARTTLS" })),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"");
    let (addr, server) = scripted(vec![
        (
            b"CAPABILITIES\r\n",
            b"101 caps\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n",
        ),
        (b"STARTTLS\r\n", b"580 no TLS today\r\n"),
    ]);
    let err = sanswire::io::nntp::Client::connect_starttls(&addr, &any_cert(), "news").unwrap_err();
    assert!(
        matches!(&err, DriveError::Protocol(e) if e.tls() == Some(TlsUnavailable::Refused { command: "STARTTLS", code: Some(580) })),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"");
    // The machine alone: nothing but CAPABILITIES, STARTTLS and QUIT
    // before TLS.
    let mut c = nntp::Client::new();
    c.set_require_tls(true);
    assert_eq!(
        c.group("misc.test").unwrap_err().kind(),
        ErrorKind::OutOfSequence
    );
    assert!(c.auth(sanswire::sasl::Plain::new("a", "b")).is_err());
}

#[test]
fn client_refuses_plaintext_injected_after_the_go_ahead() {
    let (addr, server) = scripted(vec![
        (b"CAPABILITIES\r\n", b"101 caps\r\nSTARTTLS\r\n.\r\n"),
        (b"STARTTLS\r\n", b"382 go ahead\r\n211 9 1 9 forged\r\n"),
    ]);
    let err = sanswire::io::nntp::Client::connect_starttls(&addr, &any_cert(), "news").unwrap_err();
    assert!(
        matches!(&err, DriveError::Protocol(e) if e.kind() == ErrorKind::PlaintextAfterUpgrade),
        "{err:?}"
    );
    assert_eq!(server.join().unwrap(), b"", "no ClientHello, nothing else");
}

#[test]
fn serve_nntp_refuses_a_command_pipelined_behind_starttls() {
    let s = start("nntp-tls-inject");
    let mut tcp = TcpStream::connect(&s.starttls).unwrap();
    let mut greeting = [0u8; 16];
    tcp.read_exact(&mut greeting).unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8];
    while !line.ends_with(b"\r\n") {
        tcp.read_exact(&mut byte).unwrap();
        line.push(byte[0]);
    }
    tcp.write_all(b"STARTTLS\r\nAUTHINFO USER mallory\r\n")
        .unwrap();
    let mut rest = Vec::new();
    let _ = tcp.read_to_end(&mut rest);
    assert_eq!(
        String::from_utf8_lossy(&rest),
        "",
        "no go-ahead, no answer to the smuggled line"
    );
}

#[test]
fn futures_io_client_starttls() {
    use async_io::Async;
    let s = start("nntp-tls-futures");
    futures_lite::future::block_on(async {
        let addr: std::net::SocketAddr = s.starttls.parse().unwrap();
        let tcp = Async::<TcpStream>::connect(addr).await.unwrap();
        let mut news = sanswire::io::futures::nntp::Client::new(Stream::plain(tcp))
            .await
            .unwrap();
        news.starttls(&s.connector, "localhost").await.unwrap();
        assert!(news.driver().stream().is_tls());
        assert_eq!(news.group("misc.test").await.unwrap().count, 1);
        let over = news
            .over(sanswire::nntp::Selection::Range(
                sanswire::nntp::Range::From(1),
            ))
            .await
            .unwrap();
        assert_eq!(over[0].subject(), b"over TLS");
        news.quit().await.unwrap();
    });
}
