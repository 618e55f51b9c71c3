//! Faults at every point of a Gopher exchange (issue 15), both roles: a
//! menu, a text and a Gopher+ answer of announced length, cut at every
//! offset then closed or reset, at every line end left silent past the
//! timeout; the Gopher+ answer over loopback through the blocking and
//! tokio sessions; the request line cut against the server machine.
//!
//! Gopher ends a menu or a text with a `.` line, but gophernicus and
//! pygopherd leave it out and end with the close, so the client takes a
//! close as the end: at a close the right result is what came before
//! the cut. A reset, silence, or a Gopher+ answer shorter than its
//! announced length is a typed error.

#[path = "common/faults.rs"]
mod faults;

use faults::*;
use sanswire::gopher::{self, Plus, Request};
use sanswire::io::{self, DriveError};
use sanswire::wire::Machine;
use std::time::Duration;

const MENU: &[u8] = b"iWelcome\tfake\t(NULL)\t0\r\n1Docs\t/docs\tgopher.example\t70\r\n\
0About\t/about.txt\tgopher.example\t70\r\n.\r\n";
const TEXT: &[u8] = b"first line\r\n..dotted\r\nlast line\r\n.\r\n";
const PLUS: &[u8] = b"+22\r\nhello\r\n.not an end\r\nxy";

fn machine(timeout: Duration) -> gopher::Client {
    let mut machine = gopher::Client::new();
    machine.set_timeout(Some(timeout));
    machine
}

/// What a client gets from `server`'s bytes up to `cut` then a close,
/// as text (`Err` when it fails).
fn menu<S: io::Socket>(stream: S, timeout: Duration) -> io::gopher::Result<String> {
    let items = io::gopher::Client::start(stream, machine(timeout))?.menu(Request::new(""))?;
    Ok(format!("{items:?}"))
}

fn text<S: io::Socket>(stream: S, timeout: Duration) -> io::gopher::Result<String> {
    let text = io::gopher::Client::start(stream, machine(timeout))?.text(Request::new("/about"))?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

fn plus<S: io::Socket>(stream: S, timeout: Duration) -> io::gopher::Result<String> {
    let request = Request::new("/f").with_plus(Plus::Item(None));
    let data = io::gopher::Client::start(stream, machine(timeout))?
        .fetch(request, gopher::Body::Binary)?;
    Ok(String::from_utf8_lossy(&data).into_owned())
}

type Run = fn(Cut, Duration) -> io::gopher::Result<String>;

/// Every cut of `server`: a close gives what the bytes before the cut
/// give (`lenient`: the `.`-less answers) or, strict, a typed error
/// before the end; a reset or silence gives a typed error before the
/// end. Returns the number of cases.
fn judge_all(name: &str, server: &[u8], run: Run, lenient: bool) -> usize {
    let whole = run(Cut::new(server, server.len(), Stop::Close), SILENCE).unwrap();
    let mut cases = 0;
    for (cut, stop) in cuts(server) {
        cases += 1;
        match (stop, run(Cut::new(server, cut, stop), SILENCE)) {
            // The close ended it (the `.`-less servers).
            (Stop::Close, Ok(_)) if lenient => {}
            // Before a whole `+N` header came (`+`, `+22\r` and less), the
            // bytes are a file of a server that knows no Gopher+.
            (Stop::Close, Ok(got)) if !lenient && cut < 5 => {
                assert_eq!(got.as_bytes(), &server[..cut], "{name}: cut {cut}")
            }
            (_, Ok(got)) => {
                assert_eq!(got, whole, "{name}: cut {cut} ({stop:?})");
                // Only the `.` line (or, counted, nothing) may be missing.
                let end = server.len() - if server.ends_with(b".\r\n") { 3 } else { 0 };
                assert!(
                    cut >= end,
                    "{name}: success claimed at cut {cut} ({stop:?})"
                );
            }
            (_, Err(e)) => assert!(is_typed(&e), "{name}: cut {cut} ({stop:?}): {e:?}"),
        }
    }
    eprintln!("{name}: {cases} cases");
    cases
}

#[test]
fn client_menu_cut_anywhere() {
    judge_all("gopher client menu", MENU, menu, true);
}

#[test]
fn client_text_cut_anywhere() {
    judge_all("gopher client text", TEXT, text, true);
}

#[test]
fn client_plus_cut_anywhere() {
    judge_all("gopher client gopher+", PLUS, plus, false);
}

/// The close as the end of a menu: every item given is an item of the
/// whole menu, except the one the cut went through, which must not be
/// given with a field cut short unless the cut came at its end.
#[test]
fn client_menu_close_gives_a_prefix() {
    let whole =
        io::gopher::Client::start(Cut::new(MENU, MENU.len(), Stop::Close), machine(SILENCE))
            .unwrap()
            .menu(Request::new(""))
            .unwrap();
    for cut in 0..MENU.len() {
        let got = io::gopher::Client::start(Cut::new(MENU, cut, Stop::Close), machine(SILENCE))
            .and_then(|mut c| c.menu(Request::new("")));
        let Ok(got) = got else { continue };
        assert!(got.len() <= whole.len(), "cut {cut}");
        let whole_lines = got.len().saturating_sub(1);
        assert_eq!(got[..whole_lines], whole[..whole_lines], "cut {cut}");
    }
}

#[test]
fn client_over_loopback_cut_at_every_message() {
    let expect = plus(Cut::new(PLUS, PLUS.len(), Stop::Close), SILENCE).unwrap();
    loopback_each(
        "gopher client gopher+",
        PLUS,
        |tcp| plus(tcp, SILENCE * 5),
        |addr| async move {
            let request = Request::new("/f").with_plus(Plus::Item(None));
            let data = io::tokio::gopher::Client::<tokio::net::TcpStream>::connect_with(
                addr,
                machine(SILENCE * 5),
            )
            .await?
            .fetch(request, gopher::Body::Binary)
            .await?;
            Ok::<_, DriveError<_, _>>(String::from_utf8_lossy(&data).into_owned())
        },
        |driver, cut, stop, result| match result {
            Ok(got) if cut == 0 && stop == Stop::Close => assert_eq!(got, "", "{driver}"),
            Ok(got) => assert_eq!(
                (cut, got),
                (PLUS.len(), expect.clone()),
                "{driver} {stop:?}"
            ),
            Err(e) => assert!(is_typed(&e), "{driver} cut {cut} ({stop:?}): {e:?}"),
        },
    );
}

/// The server's side: the request line, cut anywhere. On silence a
/// request is taken only once its line is whole, and a cut before times
/// out; at a close, what came is the request (see below).
#[test]
fn server_cut_anywhere() {
    let client: &[u8] = b"/docs/readme.txt\r\n";
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=client.len() {
            cases += 1;
            let mut server = gopher::Server::new();
            server.set_timeout(Some(Duration::from_secs(1800)));
            let mut taken = None;
            let settled = run_server(server, client, cut, silent, |s, e| {
                let gopher::ServerEvent::Request(r) = e;
                taken = Some(r);
                let _ = s.send_error("not here");
                true
            });
            // A close after part of the line: the client half-closed
            // without ending it (`printf /sel | nc`), and asked for what
            // it sent; silence takes only the whole line.
            if let Some(r) = &taken {
                let sent = client[..cut]
                    .strip_suffix(b"\r\n")
                    .unwrap_or(&client[..cut]);
                let sent = sent.strip_suffix(b"\r").unwrap_or(sent);
                assert_eq!(&r.selector[..], sent, "cut {cut}");
            }
            if settled.completed && silent {
                assert!(cut >= client.len() - 2, "a request taken at cut {cut}");
            }
            if !settled.completed && silent {
                assert!(settled.failed, "silence at cut {cut} did not time out");
            }
        }
    }
    eprintln!("gopher server: {cases} cases");
}
