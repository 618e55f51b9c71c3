//! Faults at every point of an NNTP conversation (issue 15), both roles:
//! the server's bytes cut at every offset then closed or reset, at every
//! line end left silent past the timeout; the same over loopback through
//! the blocking and tokio sessions; the client's bytes cut at every
//! offset against the server machine, closed or silent on a virtual
//! clock. Each case ends in a typed error or the whole, right result.

#[path = "common/faults.rs"]
mod faults;

use bytes::Bytes;
use faults::*;
use sanswire::io::{self, DriveError};
use sanswire::nntp::{self, ArticleRef, Range, Reply, Selection};
use sanswire::wire::Machine;
use std::time::Duration;

/// Login, GROUP, an overview, an article, a listing, a POST, QUIT, as
/// INN answers them (shortened).
const SERVER: &[u8] = b"200 news.example ready, posting ok\r\n\
381 password please\r\n281 welcome\r\n\
211 3 1 3 misc.test\r\n\
224 overview follows\r\n1\tHello\ta@b\t1 Jan 2024\t<1@b>\t\t10\t1\r\n.\r\n\
220 1 <1@b> article\r\nSubject: x\r\n\r\n..dots\r\nbody\r\n.\r\n\
215 list follows\r\nmisc.test 3 1 y\r\nmisc.other 0 1 n\r\n.\r\n\
340 send it\r\n240 article posted\r\n205 bye\r\n";

/// The last byte that matters: the POST's `240`.
fn done() -> usize {
    SERVER.len() - b"205 bye\r\n".len()
}

const ARTICLE: &[u8] = b"Subject: post\r\n\r\n.leading dot\r\n";

fn machine(timeout: Duration) -> nntp::Client {
    let mut machine = nntp::Client::new();
    machine.set_timeout(Some(timeout));
    machine
}

fn conversation<S: io::Socket>(stream: S, timeout: Duration) -> io::nntp::Result<String> {
    let mut news = io::nntp::Client::start(stream, machine(timeout))?;
    news.login("u", "p")?;
    let group = news.group("misc.test")?;
    let over = news.over(Selection::Range(Range::From(group.low)))?;
    let article = news.article(ArticleRef::Number(1))?;
    let list = news.list(None)?;
    let posted = news.post(Bytes::from_static(ARTICLE))?;
    let _ = news.quit();
    Ok(format!(
        "{group:?} {over:?} {article:?} {list:?} {posted:?}"
    ))
}

#[test]
fn client_cut_anywhere_in_memory() {
    let expect = conversation(Cut::new(SERVER, SERVER.len(), Stop::Close), SILENCE).unwrap();
    let cases = client_cut_anywhere("nntp client", SERVER, done(), &expect, |cut| {
        conversation(cut, SILENCE)
    });
    assert!(cases > 2 * SERVER.len());
}

const STARTTLS: &[u8] =
    b"200 ready\r\n101 capabilities\r\nVERSION 2\r\nREADER\r\nSTARTTLS\r\n.\r\n\
382 continue with TLS negotiation\r\n";

/// STARTTLS: the go-ahead is the last byte that matters.
#[test]
fn client_starttls_cut_anywhere() {
    client_cut_anywhere(
        "nntp client STARTTLS",
        STARTTLS,
        STARTTLS.len(),
        &true,
        |cut| {
            let mut news = io::nntp::Client::start(cut, machine(SILENCE))?;
            news.capabilities()?;
            news.run(nntp::ops::StartTlsOp::default())?;
            Ok(news.machine().conn().tls_pending())
        },
    );
}

#[test]
fn client_over_loopback_cut_at_every_message() {
    let expect = conversation(Cut::new(SERVER, SERVER.len(), Stop::Close), SILENCE).unwrap();
    loopback_cut_at_every_message(
        "nntp client",
        SERVER,
        done(),
        &expect,
        |tcp| conversation(tcp, SILENCE * 5),
        |addr| async move {
            let mut news = io::tokio::nntp::Client::<tokio::net::TcpStream>::connect_with(
                addr,
                machine(SILENCE * 5),
            )
            .await?;
            news.login("u", "p").await?;
            let group = news.group("misc.test").await?;
            let over = news.over(Selection::Range(Range::From(group.low))).await?;
            let article = news.article(ArticleRef::Number(1)).await?;
            let list = news.list(None).await?;
            let posted = news.post(Bytes::from_static(ARTICLE)).await?;
            let _ = news.quit().await;
            Ok::<_, DriveError<_, _>>(format!(
                "{group:?} {over:?} {article:?} {list:?} {posted:?}"
            ))
        },
    );
}

/// The client's side: login, GROUP, OVER, ARTICLE, LIST, a POST, QUIT.
const CLIENT: &[u8] = b"AUTHINFO USER u\r\nAUTHINFO PASS p\r\nGROUP misc.test\r\nOVER 1-\r\n\
ARTICLE 1\r\nLIST\r\nPOST\r\nSubject: post\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n";

/// Answers like a small news server: one group, no articles.
fn answer(s: &mut nntp::Server, e: nntp::ServerEvent, body: &mut Vec<u8>) -> bool {
    use nntp::ServerEvent as E;
    let r = match e {
        E::AuthUser(_) => s.reply(&Reply::new(381, "password")),
        E::AuthPass { .. } => s.reply(&Reply::new(281, "welcome")),
        E::Group(_) => s.reply(&Reply::new(411, "no such group")),
        E::Over(_) => s.reply(&Reply::new(412, "no group selected")),
        E::Article { .. } => s.reply(&Reply::new(430, "no such article")),
        E::List { .. } => s
            .start_block(&Reply::new(215, "list follows"))
            .and_then(|_| s.block_line(b"misc.test 0 1 y"))
            .and_then(|_| s.end_block()),
        E::Post => s.reply(&Reply::new(340, "send it")),
        E::ArticleData(d) => {
            body.extend_from_slice(&d);
            Ok(())
        }
        E::ArticleEnd => {
            s.reply(&Reply::new(240, "posted")).unwrap();
            return true;
        }
        _ => Ok(()),
    };
    r.unwrap();
    false
}

#[test]
fn server_cut_anywhere() {
    let post_end = CLIENT.len() - b"QUIT\r\n".len();
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=CLIENT.len() {
            cases += 1;
            let mut server = nntp::Server::new(true);
            server.set_timeout(Some(Duration::from_secs(1800)));
            let mut body = Vec::new();
            let settled = run_server(server, CLIENT, cut, silent, |s, e| answer(s, e, &mut body));
            if settled.completed {
                assert!(cut >= post_end, "a POST taken at cut {cut}");
                assert_eq!(body, b"Subject: post\r\n\r\n.leading dot\r\n");
            } else if cut >= post_end {
                panic!("a whole POST lost at cut {cut}");
            }
            if silent && cut < CLIENT.len() {
                assert!(settled.failed, "silence at cut {cut} did not time out");
            }
        }
    }
    eprintln!("nntp server: {cases} cases");
}

/// STARTTLS on the server: the upgrade is due only once the whole line
/// came.
#[test]
fn server_starttls_cut_anywhere() {
    let client: &[u8] = b"CAPABILITIES\r\nSTARTTLS\r\n";
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=client.len() {
            cases += 1;
            let mut server = nntp::Server::new(true);
            server.set_timeout(Some(Duration::from_secs(1800)));
            let settled = run_server(server, client, cut, silent, |s, e| {
                use nntp::ServerEvent as E;
                match e {
                    E::Capabilities => s
                        .capabilities(&["VERSION 2", "READER", "STARTTLS"])
                        .unwrap(),
                    E::StartTls => {
                        s.reply(&Reply::new(382, "go ahead")).unwrap();
                        return true;
                    }
                    _ => {}
                }
                false
            });
            if settled.completed {
                assert_eq!(cut, client.len(), "STARTTLS taken at cut {cut}");
            } else if silent {
                assert!(settled.failed, "silence at cut {cut} did not time out");
            }
        }
    }
    eprintln!("nntp server STARTTLS: {cases} cases");
}
