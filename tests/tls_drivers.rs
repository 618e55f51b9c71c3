//! The drivers over real loopback sockets: HTTP over the blocking, tokio
//! and futures-io drivers, plain and over TLS; the generic STARTTLS upgrade
//! (POP3 STLS both ways) and its refusals when plaintext is injected behind
//! the go-ahead.

#[path = "common/pki.rs"]
mod pki;

use bytes::Bytes;
use pki::Pki;
use sanswire::http::{self, Request, Response};
use sanswire::io::nonblocking::{self, AsyncIo};
use sanswire::io::tls::{self, TlsConnector};
use sanswire::io::{DriveError, Driver, UpgradeRefused};
use sanswire::pop3;
use sanswire::wire::{CommonError, Conn, Fault, Machine, Next, ProtocolError, Transport};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::OnceLock;

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(Pki::new)
}

// --- an HTTP responder, sans-IO, shared by the three server loops ---

/// Answers every request with `you asked for TARGET`; false once the
/// client closed.
fn respond(server: &mut http::Server, event: http::Event, target: &mut Vec<u8>) -> bool {
    match event {
        http::Event::Request(r) => *target = r.target().to_vec(),
        http::Event::Data(d) => target.extend_from_slice(&d),
        http::Event::End => {
            let body = [b"you asked for ".as_slice(), target].concat();
            let head = Response::new(200).with_header("Content-Length", body.len().to_string());
            server.send_response(&head).unwrap();
            server.send_data(Bytes::from(body)).unwrap();
            server.send_end(None).unwrap();
        }
        http::Event::Closed => return false,
        _ => {}
    }
    true
}

/// The HTTP server loop over the async driver of any I/O family `R`.
async fn serve_http<S: AsyncIo<R> + Unpin, R>(mut conn: nonblocking::Driver<S, http::Server, R>) {
    let mut target = Vec::new();
    while let Ok(Some(event)) = conn.next_event().await {
        if !respond(conn.machine(), event, &mut target) {
            break;
        }
    }
}

/// Two GETs and a POST with its body sent apart, through the async HTTP
/// client of any I/O family `R`, against [`serve_http`].
async fn exercise_http_client<S: AsyncIo<R> + Unpin, R>(
    client: &mut nonblocking::http::Client<S, R>,
) {
    for path in ["/a", "/bb"] {
        let (response, body) = client.fetch(&get(path), None).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(body, format!("you asked for {path}").into_bytes());
    }
    client.send_head(&post("/up", 5)).await.unwrap();
    client
        .send_body(Bytes::from_static(b"hello"))
        .await
        .unwrap();
    client.finish().await.unwrap();
    assert_eq!(client.response().await.unwrap().status(), 200);
    assert_eq!(
        client.read_body().await.unwrap().as_deref(),
        Some(&b"you asked for /uphello"[..])
    );
    assert_eq!(client.read_body().await.unwrap(), None);
}

/// A POP3 server greets over the async driver of any I/O family `R`, then
/// ends with `shutdown` (`close_notify` on TLS) or only a flush.
async fn greet_and_end<S: AsyncIo<R> + Unpin, R>(stream: S, shut_down: bool) {
    let greeting = pop3::Response::ok("ready");
    let server = pop3::Server::new(greeting).unwrap();
    let mut conn = nonblocking::Driver::<S, _, R>::new(stream, server);
    if shut_down {
        conn.shutdown().await.unwrap();
    } else {
        conn.flush().await.unwrap();
    }
}

/// What a TLS client read after the server's greeting: the greeting, then
/// a clean end only if the server sent `close_notify` (`shut_down`).
fn assert_tls_end(shut_down: bool, got: &[u8], end: std::io::Result<usize>) {
    assert_eq!(got, b"+OK ready\r\n");
    match end {
        Ok(n) => assert!(
            shut_down && n == got.len(),
            "clean end without close_notify"
        ),
        Err(e) => assert!(
            !shut_down && e.kind() == std::io::ErrorKind::UnexpectedEof,
            "{e}"
        ),
    }
}

fn get(path: &str) -> Request {
    let path = path.to_string();
    Request::get(path).with_header("Host", "localhost")
}

fn post(path: &str, len: usize) -> Request {
    let path = path.to_string();
    Request::new("POST", path)
        .with_header("Host", "localhost")
        .with_header("Content-Length", len.to_string())
}

// --- blocking ---

fn blocking_server(tls: bool) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let stream = if tls {
            tls::Stream::accept(tcp, &pki().acceptor()).unwrap()
        } else {
            tls::Stream::plain(tcp)
        };
        let mut conn = Driver::new(stream, http::Server::new());
        let mut target = Vec::new();
        while let Ok(Some(event)) = conn.next_event() {
            if !respond(conn.machine(), event, &mut target) {
                break;
            }
        }
        let _ = conn.stream().close_notify();
    });
    addr
}

#[test]
fn blocking_http_plain_and_tls() {
    for use_tls in [false, true] {
        let addr = blocking_server(use_tls);
        let tcp = TcpStream::connect(addr).unwrap();
        let stream = if use_tls {
            tls::Stream::connect(tcp, &pki().connector(), "localhost").unwrap()
        } else {
            tls::Stream::plain(tcp)
        };
        assert_eq!(stream.is_tls(), use_tls);
        let mut client = sanswire::io::http::Client::new(stream);
        for path in ["/a", "/bb"] {
            let (response, body) = client.fetch(&get(path), None).unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(body, format!("you asked for {path}").into_bytes());
        }
        client.send_head(&post("/up", 5)).unwrap();
        client.send_body(Bytes::from_static(b"hello")).unwrap();
        client.finish().unwrap();
        assert_eq!(client.response().unwrap().status(), 200);
        let mut body = Vec::new();
        while let Some(chunk) = client.read_body().unwrap() {
            body.extend_from_slice(&chunk);
        }
        assert_eq!(body, b"you asked for /uphello");
    }
}

#[test]
fn default_roots_refuse_a_private_ca_and_insecure_opt_in_accepts_it() {
    let addr = blocking_server(true);
    let tcp = TcpStream::connect(addr).unwrap();
    let err = tls::Stream::connect(tcp, &TlsConnector::new(), "localhost").unwrap_err();
    let inner = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<tls::rustls::Error>());
    assert!(
        matches!(inner, Some(tls::rustls::Error::InvalidCertificate(_))),
        "{err:?}"
    );

    let addr = blocking_server(true);
    let tcp = TcpStream::connect(addr).unwrap();
    let insecure = TlsConnector::dangerous_accept_any_certificate();
    let stream = tls::Stream::connect(tcp, &insecure, "localhost").unwrap();
    let mut client = sanswire::io::http::Client::new(stream);
    let (_, body) = client.fetch(&get("/k"), None).unwrap();
    assert_eq!(body, b"you asked for /k");
}

#[test]
fn a_wrong_host_name_is_refused() {
    let addr = blocking_server(true);
    let tcp = TcpStream::connect(addr).unwrap();
    let err = tls::Stream::connect(tcp, &pki().connector(), "example.org").unwrap_err();
    let inner = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<tls::rustls::Error>());
    assert!(
        matches!(inner, Some(tls::rustls::Error::InvalidCertificate(_))),
        "{err:?}"
    );
}

#[test]
fn ca_file_errors_name_the_file() {
    let dir = std::env::temp_dir().join(format!("sanswire-cafile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let err = TlsConnector::with_ca_file(&empty).unwrap_err();
    assert!(err.to_string().contains("empty.pem"), "{err}");
    assert!(TlsConnector::with_ca_file(dir.join("missing.pem")).is_err());
}

// --- tokio ---

mod tokio_drivers {
    use super::*;
    use sanswire::io::tls::tokio::Stream;
    use sanswire::io::tokio::{Driver, Tokio};

    async fn server(tls: bool) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let stream = if tls {
                Stream::accept(tcp, &pki().acceptor()).await.unwrap()
            } else {
                Stream::plain(tcp)
            };
            serve_http(Driver::new(stream, http::Server::new())).await;
        });
        addr
    }

    #[tokio::test]
    async fn http_plain_and_tls() {
        for use_tls in [false, true] {
            let addr = server(use_tls).await;
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let stream = if use_tls {
                Stream::connect(tcp, &pki().connector(), "127.0.0.1")
                    .await
                    .unwrap()
            } else {
                Stream::plain(tcp)
            };
            assert_eq!(stream.is_tls(), use_tls);
            let mut client = sanswire::io::tokio::http::Client::new(stream);
            exercise_http_client(&mut client).await;
        }
    }

    /// Accepts one connection on `listener` as a POP3 server on the tokio
    /// driver, in plaintext.
    async fn pop3_server(
        listener: tokio::net::TcpListener,
    ) -> Driver<Stream<tokio::net::TcpStream>, pop3::Server> {
        let (tcp, _) = listener.accept().await.unwrap();
        let greeting = pop3::Response::ok("ready");
        Driver::new(Stream::plain(tcp), pop3::Server::new(greeting).unwrap())
    }

    /// POP3 STLS between the two machines, both on the tokio driver.
    #[tokio::test]
    async fn pop3_stls_upgrade() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let mut conn = pop3_server(listener).await;
            let acceptor = pki().acceptor();
            while let Some(event) = conn.next_event().await.unwrap() {
                match event {
                    pop3::ServerEvent::Stls => {
                        conn.machine().reply(&pop3::Response::ok("go")).unwrap();
                        conn.accept_tls(&acceptor).await.unwrap();
                    }
                    pop3::ServerEvent::User(name) => {
                        assert!(conn.stream().is_tls());
                        assert_eq!(&name[..], b"alice");
                        conn.machine().reply(&pop3::Response::ok("hi")).unwrap();
                    }
                    pop3::ServerEvent::Quit { .. } => {
                        conn.machine().reply(&pop3::Response::ok("bye")).unwrap();
                        conn.flush().await.unwrap();
                        break;
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
        });
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut pop = Driver::new(Stream::plain(tcp), pop3::Client::new());
        pop.next_event().await.unwrap(); // greeting
        pop.machine().stls().unwrap();
        let ok = pop.next_event().await.unwrap();
        assert!(matches!(ok, Some(pop3::Event::Ok(_))), "{ok:?}");
        assert_eq!(pop.machine().transport(), Transport::StartTls);
        pop.start_tls(&pki().connector(), "localhost")
            .await
            .unwrap();
        assert!(pop.machine().is_tls() && pop.stream().is_tls());
        pop.machine().user("alice").unwrap();
        let ok = pop.next_event().await.unwrap();
        assert!(matches!(ok, Some(pop3::Event::Ok(_))), "{ok:?}");
        pop.machine().quit().unwrap();
        pop.next_event().await.unwrap();
        server.await.unwrap();
    }

    /// As the blocking test of the same name: a client silent after the
    /// STLS go-ahead; the tokio driver's handshake ends at the machine's
    /// silence limit, on the runtime's timer.
    #[tokio::test]
    async fn server_handshake_ends_at_the_silence_limit() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let mut conn = pop3_server(listener).await;
            conn.machine()
                .set_timeout(Some(std::time::Duration::from_millis(300)));
            let event = conn.next_event().await.unwrap();
            assert!(matches!(event, Some(pop3::ServerEvent::Stls)), "{event:?}");
            conn.machine().reply(&pop3::Response::ok("go")).unwrap();
            let started = std::time::Instant::now();
            let result = conn.accept_tls(&pki().acceptor()).await;
            (io_kind(result), started.elapsed())
        });
        let mut quiet = std::net::TcpStream::connect(addr).unwrap();
        let quiet = tokio::task::spawn_blocking(move || {
            assert_eq!(read_line(&mut quiet), b"+OK ready\r\n");
            quiet.write_all(b"STLS\r\n").unwrap();
            assert_eq!(read_line(&mut quiet), b"+OK go\r\n");
            quiet
        })
        .await
        .unwrap();
        // No ClientHello, and the connection stays open.
        let (kind, took) = tokio::time::timeout(std::time::Duration::from_secs(20), server)
            .await
            .expect("the handshake is still waiting")
            .unwrap();
        drop(quiet);
        assert_eq!(kind, Ok(std::io::ErrorKind::TimedOut));
        assert!(took >= std::time::Duration::from_millis(250), "{took:?}");
    }

    /// `Driver::shutdown` ends a TLS connection with `close_notify`, so the
    /// peer reads a clean end of stream; a connection merely dropped reads
    /// as cut short.
    #[tokio::test]
    async fn shutdown_sends_close_notify() {
        use tokio::io::AsyncReadExt;
        for shut_down in [true, false] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = tokio::spawn(async move {
                let (tcp, _) = listener.accept().await.unwrap();
                let stream = Stream::accept(tcp, &pki().acceptor()).await.unwrap();
                greet_and_end::<_, Tokio>(stream, shut_down).await;
            });
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let mut stream = Stream::connect(tcp, &pki().connector(), "localhost")
                .await
                .unwrap();
            server.await.unwrap();
            let mut got = Vec::new();
            let end = stream.read_to_end(&mut got).await;
            assert_tls_end(shut_down, &got, end);
        }
    }
}

// --- futures-io (async-io reactor, futures-lite executor) ---

mod futures_drivers {
    use super::*;
    use async_io::Async;
    use futures_lite::future;
    use sanswire::io::futures::{Driver, FuturesIo};
    use sanswire::io::tls::futures::Stream;

    #[test]
    fn http_plain_and_tls() {
        for use_tls in [false, true] {
            future::block_on(async {
                let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
                let addr = listener.get_ref().local_addr().unwrap();
                let server = async {
                    let (tcp, _) = listener.accept().await.unwrap();
                    let stream = if use_tls {
                        Stream::accept(tcp, &pki().acceptor()).await.unwrap()
                    } else {
                        Stream::plain(tcp)
                    };
                    serve_http(Driver::new(stream, http::Server::new())).await;
                };
                let client = async {
                    let tcp = Async::<TcpStream>::connect(addr).await.unwrap();
                    let stream = if use_tls {
                        Stream::connect(tcp, &pki().connector(), "localhost")
                            .await
                            .unwrap()
                    } else {
                        Stream::plain(tcp)
                    };
                    let mut client = sanswire::io::futures::http::Client::new(stream);
                    exercise_http_client(&mut client).await;
                };
                future::zip(server, client).await;
            });
        }
    }

    /// The same over futures-io, whose shutdown is `poll_close`.
    #[test]
    fn shutdown_sends_close_notify() {
        use futures_lite::AsyncReadExt;
        for shut_down in [true, false] {
            future::block_on(async {
                let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
                let addr = listener.get_ref().local_addr().unwrap();
                let server = async {
                    let (tcp, _) = listener.accept().await.unwrap();
                    let stream = Stream::accept(tcp, &pki().acceptor()).await.unwrap();
                    greet_and_end::<_, FuturesIo>(stream, shut_down).await;
                };
                let client = async {
                    let tcp = Async::<TcpStream>::connect(addr).await.unwrap();
                    Stream::connect(tcp, &pki().connector(), "localhost")
                        .await
                        .unwrap()
                };
                // The server's connection is dropped (closed) when it ends.
                let ((), mut stream) = future::zip(server, client).await;
                let mut got = Vec::new();
                let end = stream.read_to_end(&mut got).await;
                assert_tls_end(shut_down, &got, end);
            });
        }
    }
}

// --- STARTTLS: the upgrade over the blocking driver, and its refusals ---

/// POP3 STLS between the two machines on the blocking driver.
#[test]
fn blocking_pop3_stls_upgrade() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let greeting = pop3::Response::ok("ready");
        let mut conn = Driver::new(
            tls::Stream::plain(tcp),
            pop3::Server::new(greeting).unwrap(),
        );
        while let Some(event) = conn.next_event().unwrap() {
            match event {
                pop3::ServerEvent::Stls => {
                    conn.machine().reply(&pop3::Response::ok("go")).unwrap();
                    conn.accept_tls(&pki().acceptor()).unwrap();
                }
                pop3::ServerEvent::User(_) => {
                    assert!(conn.machine().is_tls());
                    conn.machine().reply(&pop3::Response::ok("hi")).unwrap();
                    conn.flush().unwrap();
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    });
    let tcp = TcpStream::connect(addr).unwrap();
    let mut pop = Driver::new(tls::Stream::plain(tcp), pop3::Client::new());
    pop.next_event().unwrap();
    pop.machine().stls().unwrap();
    pop.next_event().unwrap();
    pop.start_tls(&pki().connector(), "localhost").unwrap();
    pop.machine().user("alice").unwrap();
    assert!(matches!(
        pop.next_event().unwrap(),
        Some(pop3::Event::Ok(_))
    ));
    server.join().unwrap();
}

/// A server that sends its go-ahead and, in the same segment, a forged
/// answer: the client must not take the forged bytes as if they had come
/// over TLS (CVE-2011-0411), and must not start the handshake.
#[test]
fn client_refuses_plaintext_injected_after_stls_go_ahead() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let evil = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.write_all(b"+OK ready\r\n").unwrap();
        let mut line = [0u8; 6];
        tcp.read_exact(&mut line).unwrap();
        assert_eq!(&line, b"STLS\r\n");
        tcp.write_all(b"+OK go ahead\r\n+OK forged USER answer\r\n")
            .unwrap();
        // Whatever comes next must not be a TLS ClientHello.
        let mut rest = Vec::new();
        let _ = tcp.read_to_end(&mut rest);
        rest
    });
    let tcp = TcpStream::connect(addr).unwrap();
    let mut pop = Driver::new(tls::Stream::plain(tcp), pop3::Client::new());
    pop.next_event().unwrap();
    pop.machine().stls().unwrap();
    // One write on loopback arrives as one segment: the go-ahead and the
    // forged line land in the inbox together.
    let first = pop.next_event();
    let err = match first {
        Err(e) => e,
        Ok(event) => pop
            .next_event()
            .expect_err(&format!("took {event:?} and went on")),
    };
    assert!(
        matches!(
            err,
            DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::PlaintextAfterUpgrade)),
        "{err:?}"
    );
    // And the driver, asked anyway, refuses too: it does not rely on the
    // caller having looked at the error.
    let err = pop.start_tls(&pki().connector(), "localhost").unwrap_err();
    assert!(matches!(err, DriveError::Io(_)), "{err:?}");
    drop(pop);
    assert_eq!(evil.join().unwrap(), b"");
}

/// A client that pipelines a command behind STLS in the same segment: the
/// server must refuse to upgrade, since those bytes came in plaintext.
#[test]
fn server_refuses_plaintext_pipelined_behind_stls() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut evil = TcpStream::connect(addr).unwrap();
    let (tcp, _) = listener.accept().unwrap();
    let greeting = pop3::Response::ok("ready");
    let mut conn = Driver::new(
        tls::Stream::plain(tcp),
        pop3::Server::new(greeting).unwrap(),
    );
    conn.flush().unwrap();
    let mut buf = [0u8; 11];
    evil.read_exact(&mut buf).unwrap();
    evil.write_all(b"STLS\r\nUSER mallory\r\n").unwrap();
    let event = conn.next_event().unwrap();
    assert!(matches!(event, Some(pop3::ServerEvent::Stls)), "{event:?}");
    let err = conn.machine().reply(&pop3::Response::ok("go")).unwrap_err();
    assert_eq!(err, pop3::ErrorKind::PlaintextAfterUpgrade.into());
    let err = conn.accept_tls(&pki().acceptor()).unwrap_err();
    assert!(matches!(err, DriveError::Io(_)), "{err:?}");
    // Nothing was sent for STLS: no go-ahead, no handshake.
    drop(conn);
    let mut rest = Vec::new();
    evil.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"");
}

/// Reads up to and including the next LF, byte by byte (a test peer's
/// view of one line).
fn read_line(tcp: &mut TcpStream) -> Vec<u8> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") {
        assert_eq!(tcp.read(&mut byte).unwrap(), 1, "closed after {line:?}");
        line.push(byte[0]);
    }
    line
}

/// What a bounded handshake ended with: the kind of I/O error, or what
/// else came back.
fn io_kind(result: Result<(), DriveError<pop3::Error>>) -> Result<std::io::ErrorKind, String> {
    match result {
        Err(DriveError::Io(e)) => Ok(e.kind()),
        other => Err(format!("{other:?}")),
    }
}

/// A client that asks for STLS, takes the go-ahead and then says
/// nothing: the server's handshake ends at the machine's silence limit
/// with an I/O error, not holding the connection (and its thread) for
/// ever.
#[test]
fn blocking_server_handshake_ends_at_the_silence_limit() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let greeting = pop3::Response::ok("ready");
        let mut conn = Driver::new(
            tls::Stream::plain(tcp),
            pop3::Server::new(greeting).unwrap(),
        );
        // No limit while the commands come, so no read timeout is left
        // on the socket: the handshake's bound is the one set for it.
        conn.machine().set_timeout(None);
        let event = conn.next_event().unwrap();
        assert!(matches!(event, Some(pop3::ServerEvent::Stls)), "{event:?}");
        conn.machine().reply(&pop3::Response::ok("go")).unwrap();
        conn.machine()
            .set_timeout(Some(std::time::Duration::from_millis(300)));
        let started = std::time::Instant::now();
        let result = conn.accept_tls(&pki().acceptor());
        done.send((io_kind(result), started.elapsed())).unwrap();
    });
    let mut quiet = TcpStream::connect(addr).unwrap();
    assert_eq!(read_line(&mut quiet), b"+OK ready\r\n");
    quiet.write_all(b"STLS\r\n").unwrap();
    assert_eq!(read_line(&mut quiet), b"+OK go\r\n");
    // No ClientHello, and the connection stays open.
    let (kind, took) = outcome
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the handshake is still waiting");
    let kind = kind.unwrap();
    assert!(
        matches!(
            kind,
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{kind:?}"
    );
    assert!(took >= std::time::Duration::from_millis(250), "{took:?}");
    drop(quiet);
}

/// The client's side: a server that gives the STLS go-ahead and then
/// sends nothing, not even its half of the handshake.
#[test]
fn blocking_client_handshake_ends_at_the_silence_limit() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let quiet = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.write_all(b"+OK ready\r\n").unwrap();
        assert_eq!(read_line(&mut tcp), b"STLS\r\n");
        tcp.write_all(b"+OK go\r\n").unwrap();
        // Read the ClientHello and what else comes, answer nothing.
        let mut rest = Vec::new();
        let _ = tcp.read_to_end(&mut rest);
        rest
    });
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let tcp = TcpStream::connect(addr).unwrap();
        let mut pop = Driver::new(tls::Stream::plain(tcp), pop3::Client::new());
        pop.machine().set_timeout(None);
        pop.next_event().unwrap();
        pop.machine().stls().unwrap();
        pop.next_event().unwrap();
        pop.machine()
            .set_timeout(Some(std::time::Duration::from_millis(300)));
        let result = pop.start_tls(&pki().connector(), "localhost");
        done.send(io_kind(result)).unwrap();
        // Dropping the client closes the connection: the peer's read ends.
    });
    let kind = outcome
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the handshake is still waiting")
        .unwrap();
    assert!(
        matches!(
            kind,
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{kind:?}"
    );
    // The client did start a handshake (a TLS record: type 22).
    assert_eq!(quiet.join().unwrap().first(), Some(&22));
}

/// A machine that claims whatever the test sets, to check the driver's own
/// upgrade checks for every protocol at once.
#[derive(Default)]
struct Fake {
    conn: Conn<FakeError>,
    transport: Option<Transport>,
    established: bool,
}

#[derive(Debug, Clone)]
struct FakeError;

impl std::error::Error for FakeError {}

impl From<CommonError> for FakeError {
    fn from(_: CommonError) -> Self {
        FakeError
    }
}

impl std::fmt::Display for FakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fake")
    }
}

impl ProtocolError for FakeError {
    fn fault(&self) -> Fault {
        Fault::Remote
    }
}

impl Machine for Fake {
    type Event = ();
    type Error = FakeError;
    fn conn(&self) -> &Conn<FakeError> {
        &self.conn
    }
    fn conn_mut(&mut self) -> &mut Conn<FakeError> {
        &mut self.conn
    }
    fn step(&mut self) -> Result<Next<()>, FakeError> {
        Ok(Next::Paused)
    }
    fn transport(&self) -> Transport {
        self.transport.unwrap_or(Transport::Same)
    }
    fn tls_established(&mut self) {
        self.established = true;
    }
}

fn refusal(err: DriveError<FakeError>) -> UpgradeRefused {
    match err {
        DriveError::Io(e) => *e
            .get_ref()
            .and_then(|e| e.downcast_ref::<UpgradeRefused>())
            .expect("an UpgradeRefused"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn driver_refuses_upgrades_the_machine_did_not_ask_for_or_with_plaintext_buffered() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (tcp, _) = listener.accept().unwrap();
    let mut driver = Driver::new(tls::Stream::plain(tcp), Fake::default());

    let err = driver
        .start_tls(&pki().connector(), "localhost")
        .unwrap_err();
    assert_eq!(refusal(err), UpgradeRefused::NotRequested);
    let err = driver.accept_tls(&pki().acceptor()).unwrap_err();
    assert_eq!(refusal(err), UpgradeRefused::NotRequested);

    driver.machine().transport = Some(Transport::StartTls);
    driver.machine().receive(b"+OK injected\r\n");
    let err = driver
        .start_tls(&pki().connector(), "localhost")
        .unwrap_err();
    assert_eq!(refusal(err), UpgradeRefused::PlaintextBuffered);
    let err = driver.accept_tls(&pki().acceptor()).unwrap_err();
    assert_eq!(refusal(err), UpgradeRefused::PlaintextBuffered);
    assert!(!driver.machine().established);
    assert!(!driver.stream().is_tls());

    // No handshake byte reached the peer.
    drop(driver);
    let mut rest = Vec::new();
    (&peer).read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"");
}

/// The same checks through the tokio driver, where the upgrade is async.
#[tokio::test]
async fn tokio_driver_refuses_plaintext_buffered() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let _peer = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (tcp, _) = listener.accept().await.unwrap();
    let fake = Fake {
        transport: Some(Transport::StartTls),
        ..Fake::default()
    };
    let mut driver =
        sanswire::io::tokio::Driver::new(sanswire::io::tls::tokio::Stream::plain(tcp), fake);
    driver.machine().receive(b"x");
    let err = driver
        .start_tls(&pki().connector(), "localhost")
        .await
        .unwrap_err();
    assert_eq!(refusal(err), UpgradeRefused::PlaintextBuffered);
}

/// SMTP STARTTLS between the two machines on the blocking driver: the
/// same `start_tls`/`accept_tls` as POP3, with no SMTP code in the driver.
#[test]
fn blocking_smtp_starttls_upgrade() {
    use sanswire::smtp;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut config = smtp::ServerConfig::new("mx.test");
        config.starttls = true;
        let mut conn = Driver::new(tls::Stream::plain(tcp), smtp::Server::new(config).unwrap());
        let mut tls_seen = false;
        while let Ok(Some(event)) = conn.next_event() {
            match event {
                smtp::ServerEvent::StartTls => {
                    conn.accept_tls(&pki().acceptor()).unwrap();
                    tls_seen = conn.machine().is_tls();
                }
                smtp::ServerEvent::Quit => break,
                _ => {}
            }
        }
        let _ = conn.flush();
        tls_seen
    });
    let tcp = TcpStream::connect(addr).unwrap();
    let mut mail = Driver::new(
        tls::Stream::plain(tcp),
        smtp::Client::new("client.test").unwrap(),
    );
    let ready = |mail: &mut Driver<_, smtp::Client>| loop {
        match mail.next_event().unwrap() {
            Some(smtp::Event::Ready { caps }) => break caps,
            Some(_) => continue,
            None => panic!("paused before Ready"),
        }
    };
    assert!(ready(&mut mail).starttls);
    mail.machine().starttls().unwrap();
    let event = mail.next_event().unwrap();
    assert!(matches!(event, Some(smtp::Event::StartTls)), "{event:?}");
    mail.start_tls(&pki().connector(), "localhost").unwrap();
    // The machine says EHLO again over TLS; STARTTLS is no longer offered.
    assert!(!ready(&mut mail).starttls);
    assert!(mail.machine().is_tls());
    mail.machine().quit().unwrap();
    let _ = mail.next_event();
    assert!(server.join().unwrap());
}
