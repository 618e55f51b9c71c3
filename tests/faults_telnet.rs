//! Faults at every point of a Telnet conversation (issue 15), both roles:
//! negotiation, a login prompt, text with escaped 0xFF bytes, cut at
//! every offset then closed or reset, at every line end left silent past
//! the timeout; the same over loopback through the blocking and tokio
//! byte streams; the client's side cut against the server machine in
//! memory, closed or silent on a virtual clock. Telnet has no message
//! end but the close, so the right result at a close is the text up to
//! the cut, unescaped, never a byte more or a half-decoded command.

#[path = "common/faults.rs"]
mod faults;

use faults::*;
use sanswire::io::ByteStream;
use sanswire::telnet::{self, Event};
use sanswire::wire::Machine;
use std::io::Read;
use std::time::Duration;

/// DO TTYPE, WILL ECHO, WILL SGA, SB TTYPE SEND; a login prompt; a line
/// with an escaped 0xFF and a CR NUL; the shell's last line.
const SERVER: &[u8] = b"\xff\xfd\x18\xff\xfb\x01\xff\xfb\x03\xff\xfa\x18\x01\xff\xf0\
login: \r\nWelcome \xff\xff user\r\x00\r\n$ exit\r\nlogout\r\n";
/// What the client must read from all of it.
const TEXT: &[u8] = b"login: \r\nWelcome \xff user\r\r\n$ exit\r\nlogout\r\n";

fn client(timeout: Duration) -> telnet::Client {
    let mut c = telnet::Client::new();
    c.set_timeout(Some(timeout));
    c
}

/// Where the decoded text stands at `cut`: the text of the server's
/// bytes before it, as a correct decoder gives it.
fn text_before(cut: usize) -> Vec<u8> {
    let mut decoder = telnet::Client::new();
    decoder.receive(&SERVER[..cut]);
    decoder.receive_eof();
    let mut text = Vec::new();
    while let Ok(sanswire::wire::Next::Event(e)) = decoder.poll_event() {
        if let Event::Data(d) = e {
            text.extend_from_slice(&d);
        }
    }
    text
}

/// A close gives the text up to the cut; a reset and silence give a
/// typed error (or, after the last byte, the whole text).
fn judge(what: &str, cut: usize, stop: Stop, result: std::io::Result<Vec<u8>>, got: &[u8]) {
    assert!(
        TEXT.starts_with(got),
        "{what} cut {cut} ({stop:?}): {got:?}"
    );
    match (stop, result) {
        (Stop::Close, Ok(text)) => assert_eq!(text, text_before(cut), "{what} cut {cut}"),
        (_, Ok(text)) => assert_eq!(
            (cut, &text[..]),
            (SERVER.len(), TEXT),
            "{what}: success claimed at cut {cut} ({stop:?})"
        ),
        (_, Err(e)) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::Other
            ),
            "{what} cut {cut} ({stop:?}): {e:?}"
        ),
    }
}

/// Reads to the end, keeping what came before an error.
fn read_all(mut r: impl Read) -> (std::io::Result<Vec<u8>>, Vec<u8>) {
    let mut got = Vec::new();
    let mut buf = [0; 64];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return (Ok(got.clone()), got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => return (Err(e), got),
        }
    }
}

#[test]
fn client_cut_anywhere_in_memory() {
    assert_eq!(text_before(SERVER.len()), TEXT);
    let mut cases = 0;
    for (cut, stop) in cuts(SERVER) {
        cases += 1;
        let telnet = ByteStream::new(Cut::new(SERVER, cut, stop), client(SILENCE));
        let (result, got) = read_all(telnet);
        judge("telnet client", cut, stop, result, &got);
    }
    eprintln!("telnet client: {cases} cases");
}

#[test]
fn client_over_loopback_cut_at_every_message() {
    let runtime = runtime();
    let mut cases = 0;
    for cut in line_ends(SERVER) {
        for stop in [Stop::Close, Stop::Reset, Stop::Silent] {
            cases += 2;
            let tcp = std::net::TcpStream::connect(loopback_peer(SERVER, cut, stop)).unwrap();
            let (result, got) = read_all(ByteStream::new(tcp, client(SILENCE * 5)));
            judge("telnet blocking", cut, stop, result, &got);
            let (result, got) = runtime.block_on(async {
                let tcp = tokio::net::TcpStream::connect(loopback_peer(SERVER, cut, stop))
                    .await
                    .unwrap();
                let mut telnet = sanswire::io::tokio::ByteStream::new(tcp, client(SILENCE * 5));
                let mut got = Vec::new();
                loop {
                    match telnet.next_chunk().await {
                        Ok(Some(d)) => got.extend_from_slice(&d),
                        Ok(None) => return (Ok(got.clone()), got),
                        Err(e) => return (Err(e), got),
                    }
                }
            });
            judge("telnet tokio", cut, stop, result, &got);
        }
    }
    eprintln!("telnet over loopback: {cases} cases");
}

/// The client's side: WILL TTYPE, DO ECHO, DO SGA, SB TTYPE IS xterm, a
/// user name, a command with an escaped 0xFF, `exit`.
const CLIENT: &[u8] = b"\xff\xfb\x18\xff\xfd\x01\xff\xfd\x03\xff\xfa\x18\x00xterm\xff\xf0\
user\r\nls \xff\xff\r\nexit\r\n";
const CLIENT_TEXT: &[u8] = b"user\r\nls \xff\r\nexit\r\n";

#[test]
fn server_cut_anywhere() {
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=CLIENT.len() {
            cases += 1;
            let mut server = telnet::Server::new();
            server.set_timeout(Some(Duration::from_secs(1800)));
            let mut text = Vec::new();
            let settled = run_server(server, CLIENT, cut, silent, |_, e| {
                if let Event::Data(d) = e {
                    text.extend_from_slice(&d);
                }
                false
            });
            assert!(
                CLIENT_TEXT.starts_with(&text),
                "cut {cut}: {text:?} is not the client's text"
            );
            if cut == CLIENT.len() {
                assert_eq!(text, CLIENT_TEXT);
            }
            if silent {
                assert!(settled.failed, "silence at cut {cut} did not time out");
            }
        }
    }
    eprintln!("telnet server: {cases} cases");
}
