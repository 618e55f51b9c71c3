//! Faults at every point of a conversation (issue 15): the peer's bytes are
//! cut at every offset and the peer then closes, resets, or goes silent.
//! Every case must end in a typed error, or in the right result when the
//! cut came after the last byte that mattered: never a panic, a hang, or
//! a success claimed for a transfer that did not complete.
//!
//! Clients run through the real blocking sessions over a stream that
//! plays the server's side; a silent peer is a read that times out after
//! the machine's (shortened) timeout, as a socket's would. Servers run as
//! machines in memory, silence on a virtual clock.

#[path = "common/faults.rs"]
mod faults;

use faults::*;
use sanswire::http::{self, Request};
use sanswire::io;
use sanswire::pop3;
use sanswire::smtp;
use sanswire::wire::Machine;

// ---- POP3 client ----------------------------------------------------------

const POP3_MESSAGE: &[u8] = b"Subject: x\r\n\r\n.dots\r\nbody \xff\r\n";
const POP3_SERVER: &[u8] = b"+OK ready\r\n+OK\r\n+OK logged in\r\n+OK 1 30\r\n\
+OK 30 octets\r\nSubject: x\r\n\r\n..dots\r\nbody \xff\r\n.\r\n+OK bye\r\n";

#[test]
fn pop3_client_cut_anywhere() {
    let full = POP3_SERVER.len();
    // The last byte that matters: the end of the message block.
    let content_end = full - b"+OK bye\r\n".len();
    let mut cases = 0;
    for (cut, stop) in cuts(POP3_SERVER) {
        cases += 1;
        let mut machine = pop3::Client::new();
        machine.set_timeout(Some(SILENCE));
        let result = (|| {
            let mut pop = io::Session::<_, pop3::ops::Pop3>::start(
                Cut::new(POP3_SERVER, cut, stop),
                machine,
            )?;
            pop.login("u", "p")?;
            let stat = pop.stat()?;
            let message = pop.retr(1)?;
            io::pop3::Result::Ok((stat, message))
        })();
        match result {
            Ok((stat, message)) => {
                assert!(
                    cut >= content_end,
                    "success claimed at cut {cut} ({stop:?})"
                );
                assert_eq!(stat, (1, 30));
                assert_eq!(message, POP3_MESSAGE, "cut {cut} ({stop:?})");
            }
            Err(e) => assert!(is_typed(&e), "cut {cut} ({stop:?}): {e:?}"),
        }
    }
    eprintln!("pop3 client: {cases} cases");
}

// ---- SMTP client ----------------------------------------------------------

const SMTP_SERVER: &[u8] = b"220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n\
250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n\
250 2.0.0 Ok: queued as 1\r\n221 2.0.0 Bye\r\n";

#[test]
fn smtp_client_cut_anywhere() {
    let queued_end = SMTP_SERVER.len() - b"221 2.0.0 Bye\r\n".len();
    let mut cases = 0;
    for (cut, stop) in cuts(SMTP_SERVER) {
        cases += 1;
        let mut machine = smtp::Client::new("client.example").unwrap();
        machine.set_timeout(Some(SILENCE));
        let result = (|| {
            let mut s = io::Session::<_, smtp::ops::Smtp>::start(
                Cut::new(SMTP_SERVER, cut, stop),
                machine,
            )?;
            let outcome = s.send_mail(
                "a@example.org",
                ["b@example.net"],
                &b"Subject: s\r\n\r\n.x\r\n"[..],
            )?;
            io::smtp::Result::Ok(outcome)
        })();
        match result {
            Ok(outcome) if outcome.reply.code() == 250 => {
                assert!(
                    cut >= queued_end,
                    "delivery claimed at cut {cut} ({stop:?})"
                );
            }
            Ok(outcome) => panic!("cut {cut} ({stop:?}): {outcome:?}"),
            Err(e) => assert!(is_typed(&e), "cut {cut} ({stop:?}): {e:?}"),
        }
    }
    eprintln!("smtp client: {cases} cases");
}

// ---- HTTP client ----------------------------------------------------------

#[test]
fn http_client_cut_anywhere() {
    let sized: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world";
    let chunked: &[u8] =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    let mut cases = 0;
    for server in [sized, chunked] {
        for (cut, stop) in cuts(server) {
            cases += 1;
            let mut machine = http::Client::new();
            machine.set_timeout(Some(SILENCE));
            let driver = io::Driver::new(Cut::new(server, cut, stop), machine);
            let mut client = io::http::Client::from_driver(driver, ());
            let req = Request::get("/").with_header("Host", "a");
            match client.fetch(&req, None) {
                Ok((resp, body)) => {
                    assert_eq!(cut, server.len(), "success claimed at cut {cut} ({stop:?})");
                    assert_eq!((resp.status(), &body[..]), (200, &b"hello world"[..]));
                }
                Err(e) => assert!(is_typed(&e), "cut {cut} ({stop:?}): {e:?}"),
            }
        }
    }
    eprintln!("http client: {cases} cases");
}

// ---- servers, in memory ---------------------------------------------------

#[test]
fn smtp_server_cut_anywhere() {
    let client: &[u8] = b"EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n\
DATA\r\nSubject: s\r\n\r\n..x\r\nbody\r\n.\r\nQUIT\r\n";
    let message_end = client.len() - b"QUIT\r\n".len();
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=client.len() {
            cases += 1;
            let server = smtp::Server::new(smtp::ServerConfig::new("mx.example.org")).unwrap();
            let Settled { completed, failed } = run_server(server, client, cut, silent, |s, e| {
                let _ = s.accept();
                matches!(e, smtp::ServerEvent::MessageEnd { .. })
            });
            if completed {
                assert!(cut >= message_end, "a message accepted at cut {cut}");
            }
            // Silence ends the connection (with Postfix's 421), unless QUIT
            // had ended it.
            if silent && cut < client.len() {
                assert!(failed, "silence at cut {cut} did not time out");
            }
        }
    }
    eprintln!("smtp server: {cases} cases");
}

#[test]
fn pop3_server_cut_anywhere() {
    let client: &[u8] = b"USER u\r\nPASS p\r\nSTAT\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n";
    let quit_end = client.len();
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=client.len() {
            cases += 1;
            let server = pop3::Server::new(pop3::Response::ok("ready")).unwrap();
            let mut committed = false;
            let Settled { failed, .. } = run_server(server, client, cut, silent, |s, e| {
                use pop3::ServerEvent as E;
                let ok = pop3::Response::ok("");
                let _ = match e {
                    E::Quit { .. } => {
                        committed = true;
                        s.reply(&ok)
                    }
                    E::Stat => s.stat(1, 5),
                    E::Retr(_) => s.send_message(&ok, bytes::Bytes::from_static(b"x\r\n")),
                    _ => s.reply(&ok),
                };
                false
            });
            // Deletions are applied only at a whole QUIT.
            if committed {
                assert_eq!(cut, quit_end, "QUIT taken at cut {cut}");
            }
            if silent && cut < client.len() {
                assert!(failed, "silence at cut {cut} did not time out");
            }
        }
    }
    eprintln!("pop3 server: {cases} cases");
}

#[test]
fn http_server_cut_anywhere() {
    let client: &[u8] = b"POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello\
GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    let first_end = client.iter().position(|&b| b == b'G').unwrap();
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=client.len() {
            cases += 1;
            let mut ends = 0;
            run_server(http::Server::new(), client, cut, silent, |s, e| {
                if e == http::Event::End {
                    ends += 1;
                    s.send_response(&http::Response::new(204)).unwrap();
                }
                false
            });
            let expect = match cut {
                c if c == client.len() => 2,
                c if c >= first_end => 1,
                _ => 0,
            };
            assert_eq!(ends, expect, "cut {cut}: a request ended early or was lost");
        }
    }
    eprintln!("http server: {cases} cases");
}

// ---- over loopback: real sockets, blocking and tokio sessions -------------

/// The POP3 and SMTP conversations above at every line end, over real
/// sockets, through the blocking and the tokio sessions.
#[test]
fn sessions_over_loopback_cut_at_every_message() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut cases = 0;
    let pop3_done = POP3_SERVER.len() - b"+OK bye\r\n".len();
    for cut in line_ends(POP3_SERVER) {
        for stop in [Stop::Close, Stop::Reset, Stop::Silent] {
            cases += 2;
            let blocking = (|| {
                let mut machine = pop3::Client::new();
                machine.set_timeout(Some(SILENCE * 5));
                let tcp = std::net::TcpStream::connect(loopback_peer(POP3_SERVER, cut, stop))?;
                let mut pop = io::Session::<_, pop3::ops::Pop3>::start(tcp, machine)?;
                pop.login("u", "p")?;
                pop.stat()?;
                pop.retr(1)
            })();
            let tokio = runtime.block_on(async {
                let mut machine = pop3::Client::new();
                machine.set_timeout(Some(SILENCE * 5));
                let addr = loopback_peer(POP3_SERVER, cut, stop);
                let mut pop =
                    io::tokio::pop3::Client::<tokio::net::TcpStream>::connect_with(addr, machine)
                        .await?;
                pop.login("u", "p").await?;
                pop.stat().await?;
                pop.retr(1).await
            });
            for (driver, result) in [("blocking", blocking), ("tokio", tokio)] {
                match result {
                    Ok(message) => {
                        assert!(
                            cut >= pop3_done,
                            "{driver}: success at cut {cut} ({stop:?})"
                        );
                        assert_eq!(message, POP3_MESSAGE);
                    }
                    Err(e) => assert!(is_typed(&e), "{driver} cut {cut} ({stop:?}): {e:?}"),
                }
            }
        }
    }
    let smtp_done = SMTP_SERVER.len() - b"221 2.0.0 Bye\r\n".len();
    for cut in line_ends(SMTP_SERVER) {
        for stop in [Stop::Close, Stop::Reset, Stop::Silent] {
            cases += 2;
            let message = &b"Subject: s\r\n\r\n.x\r\n"[..];
            let blocking = (|| {
                let mut machine = smtp::Client::new("client.example").unwrap();
                machine.set_timeout(Some(SILENCE * 5));
                let tcp = std::net::TcpStream::connect(loopback_peer(SMTP_SERVER, cut, stop))?;
                let mut s = io::Session::<_, smtp::ops::Smtp>::start(tcp, machine)?;
                s.send_mail("a@example.org", ["b@example.net"], message)
            })();
            let tokio = runtime.block_on(async {
                let mut machine = smtp::Client::new("client.example").unwrap();
                machine.set_timeout(Some(SILENCE * 5));
                let addr = loopback_peer(SMTP_SERVER, cut, stop);
                let mut s =
                    io::tokio::smtp::Client::<tokio::net::TcpStream>::connect_with(addr, machine)
                        .await?;
                s.send_mail("a@example.org", ["b@example.net"], message)
                    .await
            });
            for (driver, result) in [("blocking", blocking), ("tokio", tokio)] {
                match result {
                    Ok(outcome) => {
                        assert_eq!(outcome.reply.code(), 250, "{driver} cut {cut}");
                        assert!(
                            cut >= smtp_done,
                            "{driver}: delivery claimed at cut {cut} ({stop:?})"
                        );
                    }
                    Err(e) => assert!(is_typed(&e), "{driver} cut {cut} ({stop:?}): {e:?}"),
                }
            }
        }
    }
    eprintln!("over loopback: {cases} cases");
}
