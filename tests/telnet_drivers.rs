//! Telnet over the blocking, tokio and futures-io drivers: a scripted
//! server that waits for the client's negotiation answers before it
//! sends anything, so a driver that did not send them by itself, with
//! no call of the user in between, would hang (and fail on the timeout).

use sanswire::io::{duplex, ByteStream};
use sanswire::telnet::{option, Client, Event, Side};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

/// DO TTYPE, WILL ECHO; then the answers must come: WILL TTYPE, DO ECHO.
const OFFER: &[u8] = b"\xff\xfd\x18\xff\xfb\x01";
const ANSWERS: &[u8] = b"\xff\xfb\x18\xff\xfd\x01";

fn scripted(
    after_answers: &'static [u8],
    expect_line: Option<&'static [u8]>,
) -> (u16, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        tcp.write_all(OFFER).unwrap();
        let mut got = vec![0; ANSWERS.len()];
        tcp.read_exact(&mut got)
            .expect("the client's answers, unprompted");
        if let Some(line) = expect_line {
            let mut l = vec![0; line.len()];
            tcp.read_exact(&mut l).unwrap();
            got.extend_from_slice(&l);
        }
        tcp.write_all(after_answers).unwrap();
        tcp.shutdown(std::net::Shutdown::Write).unwrap();
        got
    });
    (port, handle)
}

fn expected_negotiation(events: Vec<Event>) {
    assert!(events.contains(&Event::Enabled {
        option: option::TTYPE,
        side: Side::Local
    }));
    assert!(events.contains(&Event::Enabled {
        option: option::ECHO,
        side: Side::Remote
    }));
}

#[test]
fn blocking_byte_stream_answers_negotiation_by_itself() {
    let (port, server) = scripted(b"hello \xff\xff\r\n", None);
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut telnet = ByteStream::new(tcp, Client::new());
    let mut text = Vec::new();
    telnet.read_to_end(&mut text).unwrap();
    assert_eq!(text, b"hello \xff\r\n");
    assert_eq!(server.join().unwrap(), ANSWERS);
    expected_negotiation(std::iter::from_fn(|| telnet.take_other()).collect());
}

#[test]
fn blocking_halves_send_while_a_read_is_pending() {
    let (port, server) = scripted(b"pong", Some(b"ping\r\n"));
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (mut rx, mut tx) = duplex::split(tcp.try_clone().unwrap(), tcp, Client::new());
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        rx.read_to_end(&mut text).unwrap();
        (
            text,
            std::iter::from_fn(|| rx.take_other()).collect::<Vec<_>>(),
        )
    });
    // The reader is blocked in its read; the line goes out anyway.
    std::thread::sleep(Duration::from_millis(100));
    tx.write_all(b"ping\r\n").unwrap();
    let (text, events) = reader.join().unwrap();
    assert_eq!(text, b"pong");
    let mut want = ANSWERS.to_vec();
    want.extend_from_slice(b"ping\r\n");
    assert_eq!(server.join().unwrap(), want);
    expected_negotiation(events);
}

#[tokio::test]
async fn tokio_byte_stream_answers_negotiation_by_itself() {
    use tokio::io::AsyncReadExt;
    let (port, server) = scripted(b"tokio", None);
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut telnet = sanswire::io::tokio::ByteStream::new(tcp, Client::new());
    let mut text = Vec::new();
    telnet.read_to_end(&mut text).await.unwrap();
    assert_eq!(text, b"tokio");
    assert_eq!(server.join().unwrap(), ANSWERS);
    expected_negotiation(std::iter::from_fn(|| telnet.take_other()).collect());
}

#[test]
fn futures_io_byte_stream_answers_negotiation_by_itself() {
    use futures_lite::AsyncReadExt;
    let (port, server) = scripted(b"futures", None);
    futures_lite::future::block_on(async {
        let tcp = async_io::Async::<TcpStream>::connect(([127, 0, 0, 1], port))
            .await
            .unwrap();
        let mut telnet = sanswire::io::futures::ByteStream::new(tcp, Client::new());
        let mut text = Vec::new();
        telnet.read_to_end(&mut text).await.unwrap();
        assert_eq!(text, b"futures");
        expected_negotiation(std::iter::from_fn(|| telnet.take_other()).collect());
    });
    assert_eq!(server.join().unwrap(), ANSWERS);
}

#[tokio::test]
async fn tokio_halves_send_while_a_read_is_pending() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (port, server) = scripted(b"pong", Some(b"ping\r\n"));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let telnet = sanswire::io::tokio::ByteStream::new(tcp, Client::new());
    let (mut rx, mut tx) = tokio::io::split(telnet);
    let reader = tokio::spawn(async move {
        let mut text = Vec::new();
        rx.read_to_end(&mut text).await.unwrap();
        text
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    tx.write_all(b"ping\r\n").await.unwrap();
    tx.flush().await.unwrap();
    assert_eq!(reader.await.unwrap(), b"pong");
    let mut want = ANSWERS.to_vec();
    want.extend_from_slice(b"ping\r\n");
    assert_eq!(server.join().unwrap(), want);
}

/// What the typed sessions' conversation with the scripted server sends:
/// the offer read and answered, the line, then data with an escaped 0xFF
/// and a GA.
const SESSION_REPLY: &[u8] = b"hi \xff\xff!\xff\xf9bye";

#[test]
fn blocking_session_negotiates_writes_and_reads() {
    use sanswire::io::telnet::Client as Session;
    use sanswire::telnet::Command;
    let (port, server) = scripted(SESSION_REPLY, Some(b"ping\r\n"));
    let mut tn = Session::connect(("127.0.0.1", port)).unwrap();
    let first = tn.event().unwrap();
    assert_eq!(
        first,
        Event::Enabled {
            option: option::TTYPE,
            side: Side::Local
        }
    );
    // The peer's WILL ECHO is still unread: asking sends DO ECHO, and the
    // WILL is the answer.
    assert!(tn.enable(option::ECHO, Side::Remote).unwrap());
    tn.write(b"ping\r\n").unwrap();
    let mut text = Vec::new();
    while let Some(data) = tn.read().unwrap() {
        text.extend_from_slice(&data);
    }
    assert_eq!(text, b"hi \xff!bye");
    assert_eq!(
        tn.next_event().unwrap(),
        Some(Event::Command(Command::GoAhead))
    );
    assert_eq!(server.join().unwrap(), [ANSWERS, b"ping\r\n"].concat());
}

#[tokio::test]
async fn tokio_session_negotiates_writes_and_reads() {
    use sanswire::io::tokio::telnet::Client as Session;
    use sanswire::telnet::Command;
    let (port, server) = scripted(SESSION_REPLY, Some(b"ping\r\n"));
    let mut tn = Session::connect_with(("127.0.0.1", port), Client::new())
        .await
        .unwrap();
    let first = tn.event().await.unwrap();
    assert_eq!(
        first,
        Event::Enabled {
            option: option::TTYPE,
            side: Side::Local
        }
    );
    assert!(tn.enable(option::ECHO, Side::Remote).await.unwrap());
    tn.write(b"ping\r\n").await.unwrap();
    let mut text = Vec::new();
    while let Some(data) = tn.read().await.unwrap() {
        text.extend_from_slice(&data);
    }
    assert_eq!(text, b"hi \xff!bye");
    assert_eq!(
        tn.next_event().await.unwrap(),
        Some(Event::Command(Command::GoAhead))
    );
    assert_eq!(server.join().unwrap(), [ANSWERS, b"ping\r\n"].concat());
}
