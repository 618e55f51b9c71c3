//! Faults at every point of an IMAP conversation (issue 15), both roles:
//! the server's bytes cut at every offset then closed or reset, at every
//! line end left silent past the timeout; the same over loopback through
//! the blocking and tokio sessions; the client's bytes cut at every
//! offset against the server machine, closed or silent on a virtual
//! clock. Each case ends in a typed error or the whole, right result.

#[path = "common/faults.rs"]
mod faults;

use faults::*;
use sanswire::imap::{self, Command, FetchAttr, SeqSet, StatusKind};
use sanswire::io::{self, DriveError};
use sanswire::wire::Machine;
use std::time::Duration;

/// Login, a listing, SELECT, a message fetched, LOGOUT, as Dovecot
/// answers them (shortened).
const SERVER: &[u8] = b"* OK [CAPABILITY IMAP4rev1 LITERAL+ STARTTLS] ready\r\n\
A1 OK LOGIN completed\r\n\
* LIST (\\HasNoChildren) \"/\" INBOX\r\n* LIST () \"/\" Sent\r\nA2 OK LIST done\r\n\
* FLAGS (\\Seen \\Deleted)\r\n* 1 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] v\r\n\
A3 OK [READ-WRITE] SELECT done\r\n\
* 1 FETCH (RFC822 {15}\r\nhello\r\n.world\r\n)\r\nA4 OK FETCH done\r\n\
* BYE bye\r\nA5 OK LOGOUT done\r\n";

/// The last byte that matters: the fetch's completion.
fn done() -> usize {
    SERVER.len() - b"* BYE bye\r\nA5 OK LOGOUT done\r\n".len()
}

fn machine(timeout: Duration) -> imap::Client {
    let mut machine = imap::Client::new();
    machine.set_timeout(Some(timeout));
    machine
}

fn conversation<S: io::Socket>(stream: S, timeout: Duration) -> io::imap::Result<String> {
    let mut imap = io::imap::Client::start(stream, machine(timeout))?;
    imap.login("u", "p")?;
    let list = imap.list("", "*")?;
    let selected = imap.select("INBOX")?;
    let fetched = imap.fetch(SeqSet::single(1), vec![FetchAttr::Rfc822])?;
    // LOGOUT's answer may be lost: the message is already whole.
    let _ = imap.logout();
    Ok(short(list.len(), selected.exists, &fetched))
}

/// The result, as text: what must be right.
fn short(lists: usize, exists: u32, fetched: &[imap::ops::Fetched]) -> String {
    format!("{lists} lists, {exists} exists, {fetched:?}")
}

#[test]
fn client_cut_anywhere_in_memory() {
    let expect = conversation(Cut::new(SERVER, SERVER.len(), Stop::Close), SILENCE).unwrap();
    assert!(expect.contains("hello\\r\\n.world"), "{expect}");
    let cases = client_cut_anywhere("imap client", SERVER, done(), &expect, |cut| {
        conversation(cut, SILENCE)
    });
    assert!(cases > 2 * SERVER.len());
}

const STARTTLS: &[u8] = b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\nA1 OK Begin TLS now\r\n";

/// STARTTLS: the go-ahead is the last byte that matters; before it, the
/// session fails typed and nothing is taken for an upgrade.
#[test]
fn client_starttls_cut_anywhere() {
    client_cut_anywhere(
        "imap client STARTTLS",
        STARTTLS,
        STARTTLS.len(),
        &true,
        |cut| {
            let mut imap = io::imap::Client::start(cut, machine(SILENCE))?;
            imap.run(imap::ops::Starttls::default())?;
            Ok(imap.machine().conn().tls_pending())
        },
    );
}

#[test]
fn client_over_loopback_cut_at_every_message() {
    let expect = conversation(Cut::new(SERVER, SERVER.len(), Stop::Close), SILENCE).unwrap();
    loopback_cut_at_every_message(
        "imap client",
        SERVER,
        done(),
        &expect,
        |tcp| conversation(tcp, SILENCE * 5),
        |addr| async move {
            let mut imap = io::tokio::imap::Client::<tokio::net::TcpStream>::connect_with(
                addr,
                machine(SILENCE * 5),
            )
            .await?;
            imap.login("u", "p").await?;
            let list = imap.list("", "*").await?;
            let selected = imap.select("INBOX").await?;
            let fetched = imap
                .fetch(SeqSet::single(1), vec![FetchAttr::Rfc822])
                .await?;
            let _ = imap.logout().await;
            Ok::<_, DriveError<_, _>>(short(list.len(), selected.exists, &fetched))
        },
    );
}

/// The client's side: login, a listing, SELECT, a fetch, an APPEND with a
/// synchronising literal, LOGOUT.
const CLIENT: &[u8] = b"a1 LOGIN u p\r\na2 LIST \"\" *\r\na3 SELECT INBOX\r\n\
a4 FETCH 1 RFC822\r\na5 APPEND INBOX {15}\r\nhello\r\n.world\r\n\r\na6 LOGOUT\r\n";

#[test]
fn server_cut_anywhere() {
    let append_end = CLIENT.len() - b"a6 LOGOUT\r\n".len();
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=CLIENT.len() {
            cases += 1;
            let mut server = imap::Server::new("ready");
            server.set_timeout(Some(Duration::from_secs(1800)));
            let mut appended = None;
            let settled = run_server(server, CLIENT, cut, silent, |s, e| {
                let imap::ServerEvent::Command { tag, command } = e else {
                    return false;
                };
                let mut done = false;
                if let Command::Append { messages, .. } = &command {
                    appended = Some(messages[0].data.clone());
                    done = true;
                }
                s.complete(&tag, StatusKind::Ok, None, "done").unwrap();
                done
            });
            if settled.completed {
                assert!(cut >= append_end, "an APPEND taken at cut {cut}");
                assert_eq!(appended.as_deref(), Some(&b"hello\r\n.world\r\n"[..]));
            }
            if silent && cut < CLIENT.len() {
                assert!(settled.failed, "silence at cut {cut} did not time out");
            }
            if !silent && cut < CLIENT.len() && cut > 0 {
                assert!(settled.failed || settled.completed || cut < append_end);
            }
        }
    }
    eprintln!("imap server: {cases} cases");
}

/// STARTTLS on the server: the upgrade is due only once the whole line
/// came; a cut before it ends typed (end of stream or timeout).
#[test]
fn server_starttls_cut_anywhere() {
    let client: &[u8] = b"a1 CAPABILITY\r\na2 STARTTLS\r\n";
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=client.len() {
            cases += 1;
            let mut server = imap::Server::new("ready");
            server.set_timeout(Some(Duration::from_secs(1800)));
            let settled = run_server(server, client, cut, silent, |s, e| {
                let imap::ServerEvent::Command { tag, command } = e else {
                    return false;
                };
                s.complete(&tag, StatusKind::Ok, None, "go").unwrap();
                command == Command::StartTls
            });
            if settled.completed {
                assert_eq!(cut, client.len(), "STARTTLS taken at cut {cut}");
            } else if silent {
                assert!(settled.failed, "silence at cut {cut} did not time out");
            }
        }
    }
    eprintln!("imap server STARTTLS: {cases} cases");
}
