//! The contract every machine shares, checked on each protocol: last words
//! reach the peer, a silent peer times out (virtual clock and real
//! sockets, blocking and tokio), the sending side is shut down when the
//! machine is done, a failed machine asks for no TLS and reports closed,
//! and the async `next_event` is cancel-safe.

use sanswire::io::{DriveError, Driver};
use sanswire::wire::{CommonError, Instant, Machine, Next, ProtocolError, Transport};
use sanswire::{http, pop3, smtp};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A connected pair of loopback sockets: (ours, the peer's).
fn socket_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    (ours, peer)
}

fn read_all(mut peer: TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    peer.read_to_end(&mut seen).unwrap();
    seen
}

fn smtp_server() -> smtp::Server {
    smtp::Server::new(smtp::ServerConfig::new("mx.example.org")).unwrap()
}

fn pop3_server() -> pop3::Server {
    pop3::Server::new(pop3::Response::ok("ready")).unwrap()
}

// --- last words ---

#[test]
fn pop3_line_too_long_reaches_the_peer_before_the_error() {
    let (ours, mut peer) = socket_pair();
    let mut conn = Driver::new(ours, pop3_server());
    peer.write_all(&[b'A'; 300]).unwrap();
    peer.write_all(b"\r\n").unwrap();
    let err = conn.next_event().unwrap_err();
    assert!(matches!(
        err,
        DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::LineTooLong { .. })));
    drop(conn);
    assert_eq!(read_all(peer), b"+OK ready\r\n-ERR line too long\r\n");
}

#[test]
fn smtp_refusals_and_timeout_reach_the_peer_before_the_error() {
    let (ours, mut peer) = socket_pair();
    let mut config = smtp::ServerConfig::new("mx.example.org");
    config.limits.command_line = 64;
    let mut server = smtp::Server::new(config).unwrap();
    server.set_timeout(Some(Duration::from_millis(200)));
    let mut conn = Driver::new(ours, server);
    // An over-long command is skipped and refused (not fatal); then the
    // client goes quiet and the server gives up with a 421.
    peer.write_all(&[b'A'; 5000]).unwrap();
    peer.write_all(b"\r\n").unwrap();
    let err = conn.next_event().unwrap_err();
    assert!(
        matches!(err, DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), smtp::ErrorKind::TimedOut)),
        "{err:?}"
    );
    drop(conn);
    let seen = String::from_utf8(read_all(peer)).unwrap();
    let lines: Vec<&str> = seen.split_inclusive("\r\n").collect();
    assert_eq!(lines.len(), 3, "{seen}");
    assert_eq!(lines[0], "220 mx.example.org ESMTP\r\n");
    assert!(lines[1].starts_with("500 "), "{seen}");
    assert_eq!(
        lines[2],
        "421 4.4.2 mx.example.org Error: timeout exceeded\r\n"
    );
}

#[test]
fn http_server_answers_a_bad_request_itself() {
    let (ours, mut peer) = socket_pair();
    let mut conn = Driver::new(ours, http::Server::new());
    peer.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n")
        .unwrap();
    let err = conn.next_event().unwrap_err();
    assert!(matches!(err, DriveError::Protocol(ref e) if e.reply_hint() == Some(400)));
    drop(conn);
    assert_eq!(
        read_all(peer),
        b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
}

// --- time, on a virtual clock ---

#[test]
fn smtp_server_idle_timeout_on_a_virtual_clock() {
    let mut server = smtp_server();
    server.outbox().take_vec();
    server.set_now(Instant::from_secs(1000));
    assert_eq!(server.poll_event(), Ok(Next::NeedInput));
    let deadline = Instant::from_secs(1000) + smtp::Server::IDLE_TIMEOUT;
    assert_eq!(server.poll_timeout(), Some(deadline));

    // Input moves the deadline: the wait starts again.
    server.receive(b"NOOP\r\n");
    server.set_now(Instant::from_secs(1100));
    assert_eq!(server.poll_event(), Ok(Next::NeedInput));
    assert_eq!(server.outbox().take_vec(), b"250 2.0.0 OK\r\n");
    let deadline = Instant::from_secs(1100) + smtp::Server::IDLE_TIMEOUT;
    assert_eq!(server.poll_timeout(), Some(deadline));

    // Early and spurious calls change nothing.
    server.handle_timeout(Instant::from_secs(1399));
    assert_eq!(server.poll_event(), Ok(Next::NeedInput));
    assert!(server.outbox().is_empty());

    server.handle_timeout(deadline);
    assert_eq!(
        server.outbox().take_vec(),
        b"421 4.4.2 mx.example.org Error: timeout exceeded\r\n"
    );
    let err = server.poll_event().unwrap_err();
    assert_eq!(err, smtp::ErrorKind::TimedOut.into());
    assert_eq!(err.common(), Some(CommonError::TimedOut));
    assert!(server.is_closed());
    assert_eq!(server.poll_timeout(), None);
}

#[test]
fn a_paused_machine_has_no_deadline() {
    // The server waits for its application, not for the peer: no timer.
    let mut server = pop3_server();
    server.outbox().take_vec();
    server.receive(b"USER bob\r\n");
    assert!(matches!(server.poll_event(), Ok(Next::Event(_))));
    assert_eq!(server.poll_event(), Ok(Next::Paused));
    assert_eq!(server.poll_timeout(), None);
    server.handle_timeout(Instant::from_secs(1 << 40));
    assert!(!server.is_closed());
}

#[test]
fn http_idle_keep_alive_closes_silently_but_a_half_request_gets_408() {
    let mut idle = http::Server::new();
    idle.set_now(Instant::ZERO);
    assert_eq!(idle.poll_event(), Ok(Next::NeedInput));
    idle.handle_timeout(Instant::ZERO + http::Server::IDLE_TIMEOUT);
    assert!(idle.outbox().is_empty());
    assert_eq!(
        idle.poll_event().unwrap_err().kind(),
        http::ErrorKind::TimedOut
    );

    let mut slow = http::Server::new();
    slow.receive(b"GET / HTTP/1.1\r\nHost:");
    slow.set_now(Instant::ZERO);
    assert_eq!(slow.poll_event(), Ok(Next::NeedInput));
    slow.handle_timeout(Instant::from_secs(3600));
    assert_eq!(
        slow.outbox().take_vec(),
        b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
}

// --- time, on real sockets ---

#[test]
fn blocking_driver_times_a_silent_client_out_and_says_why() {
    let (ours, peer) = socket_pair();
    let mut server = pop3_server();
    server.set_timeout(Some(Duration::from_millis(200)));
    let mut conn = Driver::new(ours, server);
    let started = std::time::Instant::now();
    let err = conn.next_event().unwrap_err();
    assert!(
        matches!(err, DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::TimedOut)),
        "{err:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    drop(conn);
    assert_eq!(
        read_all(peer),
        b"+OK ready\r\n-ERR Disconnected for inactivity.\r\n"
    );
}

#[test]
fn blocking_client_times_out_on_a_server_that_never_greets() {
    let (ours, _peer) = socket_pair();
    let mut client = pop3::Client::new();
    client.set_timeout(Some(Duration::from_millis(100)));
    let mut conn = Driver::new(ours, client);
    let err = conn.next_event().unwrap_err();
    assert!(
        matches!(err, DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::TimedOut)),
        "{err:?}"
    );
    let source = std::error::Error::source(&err).expect("the protocol error");
    assert_eq!(source.to_string(), "the peer stayed silent too long");
}

#[tokio::test]
async fn tokio_driver_times_a_silent_client_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut seen = Vec::new();
        s.read_to_end(&mut seen).await.unwrap();
        seen
    });
    let (ours, _) = listener.accept().await.unwrap();
    let mut server = smtp_server();
    server.set_timeout(Some(Duration::from_millis(150)));
    let mut conn = sanswire::io::tokio::Driver::new(ours, server);
    let err = conn.next_event().await.unwrap_err();
    assert!(
        matches!(err, DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), smtp::ErrorKind::TimedOut)),
        "{err:?}"
    );
    drop(conn);
    let seen = String::from_utf8(peer.await.unwrap()).unwrap();
    assert!(
        seen.ends_with("\r\n421 4.4.2 mx.example.org Error: timeout exceeded\r\n"),
        "{seen}"
    );
}

// --- close and half-close ---

#[test]
fn the_driver_shuts_down_after_quit_so_the_peer_sees_eof() {
    let (ours, mut peer) = socket_pair();
    let mut conn = Driver::new(ours, pop3_server());
    peer.write_all(b"QUIT\r\n").unwrap();
    assert!(matches!(
        conn.next_event().unwrap(),
        Some(pop3::ServerEvent::Quit { .. })
    ));
    conn.machine().reply(&pop3::Response::ok("bye")).unwrap();
    assert!(!conn.machine().may_send());
    // The conversation is over: the driver writes the answer, shuts its
    // side down and reports no more events, with the socket still open.
    assert!(conn.next_event().unwrap().is_none());
    assert_eq!(read_all(peer), b"+OK ready\r\n+OK bye\r\n");
    drop(conn);
}

#[test]
fn an_http_close_response_ends_with_a_fin_not_a_hang() {
    let (ours, mut peer) = socket_pair();
    let mut conn = Driver::new(ours, http::Server::new());
    peer.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(matches!(
        conn.next_event().unwrap(),
        Some(http::Event::Request(_))
    ));
    assert!(matches!(conn.next_event().unwrap(), Some(http::Event::End)));
    let m = conn.machine();
    m.send_response(&http::Response::new(200).with_header("Content-Length", "2"))
        .unwrap();
    m.send_data(bytes::Bytes::from_static(b"ok")).unwrap();
    m.send_end(None).unwrap();
    assert!(conn.next_event().unwrap().is_none());
    let seen = read_all(peer);
    assert!(seen.ends_with(b"\r\n\r\nok"), "{seen:?}");
    drop(conn);
}

// --- the same rules for every machine after an error ---

fn assert_failed_machine<M: Machine>(m: &M) {
    assert!(m.is_closed());
    assert!(!m.may_send() && !m.may_recv());
    assert_eq!(m.transport(), Transport::Same);
}

#[test]
fn after_an_error_every_machine_is_closed_and_asks_for_no_tls() {
    // SMTP client: STARTTLS go-ahead with plaintext behind it.
    let mut c = smtp::Client::new("c.example.org").unwrap();
    c.receive(b"220 mx ESMTP\r\n");
    c.poll_event().unwrap();
    c.outbox().take_vec();
    c.receive(b"250-mx\r\n250 STARTTLS\r\n");
    c.poll_event().unwrap();
    c.starttls().unwrap();
    c.receive(b"220 go\r\n250 injected\r\n");
    assert_eq!(
        c.poll_event().unwrap_err(),
        smtp::ErrorKind::PlaintextAfterUpgrade.into()
    );
    assert_failed_machine(&c);

    // SMTP server: plaintext pipelined behind STARTTLS.
    let mut config = smtp::ServerConfig::new("mx.example.org");
    config.starttls = true;
    let mut s = smtp::Server::new(config).unwrap();
    s.receive(b"EHLO c\r\n");
    assert!(matches!(s.poll_event(), Ok(Next::Event(_))));
    s.receive(b"STARTTLS\r\nNOOP\r\n");
    assert_eq!(
        s.poll_event().unwrap_err(),
        smtp::ErrorKind::PlaintextAfterUpgrade.into()
    );
    assert_failed_machine(&s);

    // POP3 client: an answer nobody asked for.
    let mut p = pop3::Client::new();
    p.receive(b"+OK hi\r\n");
    p.poll_event().unwrap();
    p.receive(b"+OK nobody asked\r\n");
    assert_eq!(
        p.poll_event().unwrap_err(),
        pop3::ErrorKind::UnexpectedData.into()
    );
    assert_failed_machine(&p);

    // POP3 server: the same injection, server side.
    let mut ps = pop3_server();
    ps.receive(&[b'A'; 300]);
    ps.receive(b"\r\n");
    assert!(ps.poll_event().is_err());
    assert_failed_machine(&ps);

    // HTTP client and server.
    let mut hc = http::Client::new();
    hc.send_request(&http::Request::get("/").with_header("Host", "a"))
        .unwrap();
    hc.receive(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n");
    assert!(hc.poll_event().is_err());
    assert_failed_machine(&hc);
    let mut hs = http::Server::new();
    hs.receive(b"BAD\r\n\r\n");
    assert!(hs.poll_event().is_err());
    assert_failed_machine(&hs);
}

// --- cancel safety of the async driver ---

#[tokio::test]
async fn next_event_can_lose_a_select_without_losing_an_event() {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        // Commands in pieces, with pauses longer than the select's timer,
        // so many next_event futures are dropped half-way.
        for i in 0..20u32 {
            let line = format!("USER user{i}\r\n");
            let (a, b) = line.as_bytes().split_at(3);
            s.write_all(a).await.unwrap();
            tokio::time::sleep(Duration::from_millis(3)).await;
            s.write_all(b).await.unwrap();
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        s
    });
    let (ours, _) = listener.accept().await.unwrap();
    let mut conn = sanswire::io::tokio::Driver::new(ours, pop3_server());
    let mut users = Vec::new();
    let mut cancelled = 0;
    while users.len() < 20 {
        tokio::select! {
            event = conn.next_event() => match event.unwrap() {
                Some(pop3::ServerEvent::User(name)) => {
                    users.push(name);
                    conn.machine().reply(&pop3::Response::err("no")).unwrap();
                }
                other => panic!("{other:?}"),
            },
            _ = tokio::time::sleep(Duration::from_millis(1)) => cancelled += 1,
        }
    }
    let want: Vec<String> = (0..20).map(|i| format!("user{i}")).collect();
    assert_eq!(users, want);
    assert!(cancelled > 0, "the test never cancelled a next_event");
    drop(peer.await.unwrap());
}

/// A futures-io timer from async-io, as a smol or async-std user would
/// write it: one `Timer`, re-armed in place.
#[derive(Default)]
struct AsyncIoTimer {
    timer: Option<async_io::Timer>,
    at: Option<std::time::Instant>,
}

impl sanswire::io::nonblocking::Timer for AsyncIoTimer {
    fn poll_until(
        &mut self,
        cx: &mut std::task::Context<'_>,
        deadline: std::time::Instant,
    ) -> std::task::Poll<()> {
        let timer = self
            .timer
            .get_or_insert_with(|| async_io::Timer::at(deadline));
        if self.at != Some(deadline) {
            timer.set_at(deadline);
            self.at = Some(deadline);
        }
        std::future::Future::poll(std::pin::Pin::new(timer), cx).map(|_| ())
    }
}

#[test]
fn futures_io_driver_times_out_with_the_callers_timer() {
    let (ours, peer) = socket_pair();
    let ours = async_io::Async::new(ours).unwrap();
    let mut server = pop3_server();
    server.set_timeout(Some(Duration::from_millis(100)));
    let mut conn = sanswire::io::futures::Driver::new(ours, server);
    conn.set_timer(AsyncIoTimer::default());
    let err = futures_lite::future::block_on(conn.next_event()).unwrap_err();
    assert!(
        matches!(err, DriveError::Protocol(ref kind_err) if matches!(kind_err.kind(), pop3::ErrorKind::TimedOut)),
        "{err:?}"
    );
    drop(conn);
    assert_eq!(
        read_all(peer),
        b"+OK ready\r\n-ERR Disconnected for inactivity.\r\n"
    );
}

// --- slowloris: one byte at a time does not hold a connection ---

/// Feeds `text` one byte every `gap` of virtual time, polling after each,
/// until the machine fails; returns when (in gaps) and what it wrote.
fn trickle<M: Machine>(m: &mut M, text: &[u8], gap: Duration) -> (usize, Vec<u8>) {
    let mut now = Instant::ZERO;
    m.set_now(now);
    for (i, b) in text.iter().enumerate() {
        m.receive(std::slice::from_ref(b));
        m.set_now(now);
        if m.poll_event().is_err() {
            return (i, m.outbox().take_vec());
        }
        now = now + gap;
        m.handle_timeout(now);
        if m.poll_event().is_err() {
            return (i + 1, m.outbox().take_vec());
        }
    }
    panic!("the machine took the whole trickle");
}

#[test]
fn a_head_or_command_trickled_a_byte_at_a_time_times_out() {
    let gap = Duration::from_secs(5);
    // HTTP: within the silence limit every time, but the head as a whole
    // takes longer than HEAD_TIMEOUT: 408.
    let head = b"GET /a-rather-long-path HTTP/1.1\r\nHost: example.org\r\nUser-Agent: slow\r\n\r\n";
    let mut h = http::Server::new();
    let (at, out) = trickle(&mut h, head, gap);
    assert_eq!(at as u64, http::Server::HEAD_TIMEOUT.as_secs() / 5);
    assert!(
        out.starts_with(b"HTTP/1.1 408 "),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    // SMTP: one command line, 421 after COMMAND_TIMEOUT.
    let line = [
        b"MAIL FROM:<".as_slice(),
        &[b'a'; 200],
        b"@example.org>\r\n",
    ]
    .concat();
    let mut s = smtp_server();
    s.outbox().take_vec();
    let (at, out) = trickle(&mut s, &line, gap);
    assert_eq!(at as u64, smtp::Server::COMMAND_TIMEOUT.as_secs() / 5);
    assert!(
        out.starts_with(b"421 4.4.2 "),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    // POP3: the same with its 10 minutes.
    let line = [b"USER ".as_slice(), &[b'u'; 200], b"\r\n"].concat();
    let mut p = pop3_server();
    p.outbox().take_vec();
    let (at, out) = trickle(&mut p, &line, gap);
    assert_eq!(at as u64, pop3::Server::COMMAND_TIMEOUT.as_secs() / 5);
    assert!(
        out.starts_with(b"-ERR "),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn a_fast_peer_is_never_cut_by_the_message_timeout() {
    // Commands that each arrive whole, for far longer than the limit in
    // all: each one starts its own count.
    let mut s = smtp_server();
    let mut now = Instant::ZERO;
    for _ in 0..20 {
        s.set_now(now);
        s.receive(b"NOOP\r\n");
        while let Ok(Next::Event(_)) = s.poll_event() {}
        now = now + Duration::from_secs(100);
        s.handle_timeout(now);
        assert!(s.poll_event().is_ok());
    }
}

#[test]
fn the_other_servers_drop_a_trickled_command_with_their_last_words() {
    let gap = Duration::from_secs(5);
    let long = |prefix: &[u8], n: usize| [prefix, &vec![b'a'; n][..], b"\r\n"].concat();
    // IMAP: one command, literals included, 10 minutes: `* BYE`.
    let mut m = sanswire::imap::Server::new("ready");
    m.outbox().take_vec();
    let (at, out) = trickle(&mut m, &long(b"a1 LOGIN ", 400), gap);
    assert_eq!(
        at as u64,
        sanswire::imap::Server::COMMAND_TIMEOUT.as_secs() / 5
    );
    assert!(
        out.starts_with(b"* BYE "),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    // NNTP: 5 minutes, `400`.
    let mut m = sanswire::nntp::Server::new(true);
    m.outbox().take_vec();
    let (at, out) = trickle(&mut m, &long(b"GROUP ", 200), gap);
    assert_eq!(
        at as u64,
        sanswire::nntp::Server::COMMAND_TIMEOUT.as_secs() / 5
    );
    assert!(
        out.starts_with(b"400 "),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    // FTP: 5 minutes, `421`.
    let mut m = sanswire::ftp::Server::new("ready").unwrap();
    m.outbox().take_vec();
    let (at, out) = trickle(&mut m, &long(b"USER ", 200), gap);
    assert_eq!(
        at as u64,
        sanswire::ftp::Server::COMMAND_TIMEOUT.as_secs() / 5
    );
    assert!(
        out.starts_with(b"421 "),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    // Gopher: the request line in 30 s; the close says it.
    let mut m = sanswire::gopher::Server::new();
    let (at, _) = trickle(&mut m, &long(b"/", 200), gap);
    assert_eq!(at as u64, sanswire::gopher::SERVER_TIMEOUT.as_secs() / 5);
}
