//! The timeouts a user sets on a session (issue 15), on the core's
//! timers, the same for every protocol because they live in `io`: the
//! connect timeout, the silence (idle) timeout of the machine, and the
//! whole-operation timeout, which a peer that trickles a byte at a time
//! (and so never trips the silence timeout) cannot outlast.

use sanswire::io::{self, DriveError};
use sanswire::wire::{CommonError, Machine, ProtocolError};
use sanswire::{imap, nntp, pop3};
use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A peer that sends `greeting`, then `trickle` one byte every 10 ms,
/// forever (until the client leaves).
fn trickler(greeting: &'static [u8], trickle: &'static [u8]) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = s.write_all(greeting);
                for b in trickle.iter().cycle() {
                    std::thread::sleep(Duration::from_millis(10));
                    if s.write_all(std::slice::from_ref(b)).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn timed_out<E: ProtocolError + std::fmt::Debug, R: std::fmt::Debug>(e: &DriveError<E, R>) -> bool {
    matches!(e, DriveError::Protocol(e) if e.common() == Some(CommonError::TimedOut))
}

const LIMIT: Duration = Duration::from_millis(300);

/// POP3 RETR whose message never ends; IMAP FETCH whose untagged data
/// never ends; NNTP LIST whose block never ends: each past the limit,
/// the silence timeout (1 s) never reached.
#[test]
fn an_operation_timeout_ends_a_trickle_blocking_and_tokio() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pop = trickler(b"+OK hi\r\n+OK\r\n+OK in\r\n+OK message\r\n", b"x\r\n");
    let started = Instant::now();
    let mut machine = pop3::Client::new();
    machine.set_timeout(Some(Duration::from_secs(1)));
    let mut s = io::pop3::Client::connect_with(pop, machine).unwrap();
    s.driver().set_operation_timeout(Some(LIMIT));
    s.login("u", "p").unwrap();
    let e = s.retr(1).unwrap_err();
    assert!(timed_out(&e), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(3));

    let imap_peer = trickler(b"* OK hi\r\n", b"* 1 EXISTS\r\n");
    let mut machine = imap::Client::new();
    machine.set_timeout(Some(Duration::from_secs(1)));
    let mut s = io::imap::Client::connect_with(imap_peer, machine).unwrap();
    s.driver().set_operation_timeout(Some(LIMIT));
    let started = Instant::now();
    let e = s.noop().unwrap_err();
    assert!(timed_out(&e), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(3));

    let news = trickler(b"200 hi\r\n215 list\r\n", b"misc.test 1 1 y\r\n");
    let e = runtime.block_on(async {
        let mut machine = nntp::Client::new();
        machine.set_timeout(Some(Duration::from_secs(1)));
        let mut s = io::tokio::nntp::Client::<tokio::net::TcpStream>::connect_with(news, machine)
            .await
            .unwrap();
        s.driver().set_operation_timeout(Some(LIMIT));
        s.list(None).await.unwrap_err()
    });
    assert!(timed_out(&e), "{e:?}");
}

/// A time limit over several operations (curl's `-m`): the second one
/// that would outlast it fails; the silence timeout is longer.
#[test]
fn a_time_limit_spans_operations() {
    let pop = trickler(b"+OK hi\r\n+OK\r\n+OK in\r\n+OK message\r\n", b"x\r\n");
    let mut machine = pop3::Client::new();
    machine.set_timeout(Some(Duration::from_secs(5)));
    let mut s = io::pop3::Client::connect_with(pop, machine).unwrap();
    s.driver().set_time_limit(Some(LIMIT));
    s.login("u", "p").unwrap();
    let started = Instant::now();
    let e = s.retr(1).unwrap_err();
    assert!(timed_out(&e), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// A listener whose backlog is full: the next connection is never
/// answered, and the connect timeout ends the wait, blocking and tokio.
#[test]
fn a_connect_timeout_ends_an_unanswered_connect() {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    // Fill the backlog (never accepted).
    let held: Vec<_> = (0..4)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()
        })
        .collect();
    assert!(!held.is_empty());
    let started = Instant::now();
    let r = io::pop3::Client::connect_timeout_with(addr, LIMIT, pop3::Client::new());
    let e = r.expect_err("connected past a full backlog");
    assert!(
        matches!(&e, DriveError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut),
        "{e:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let e = runtime
        .block_on(
            io::tokio::pop3::Client::<tokio::net::TcpStream>::connect_timeout_with(
                addr,
                LIMIT,
                pop3::Client::new(),
            ),
        )
        .expect_err("connected past a full backlog");
    assert!(
        matches!(&e, DriveError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut),
        "{e:?}"
    );
    drop(held);
}
