//! `fetch nntp[s]://[user:pass@]host[:port]/GROUP[/N]`, `news://host/MESSAGE-ID`:
//!
//! - `nntp://host/GROUP` prints the group's overview, one line per
//!   article: number, subject, from, date, message-id, TAB-separated
//!   (OVER, or XOVER for servers of RFC 2980 that do not know OVER);
//! - `nntp://host/GROUP/N` prints article N, `news://host/MESSAGE-ID`
//!   (RFC 5538; the angle brackets are added) the article with that id;
//! - `-T FILE nntp://host/GROUP` posts FILE (a `Newsgroups: GROUP`
//!   header is added when it has none);
//! - `-X 'LIST NEWSGROUPS'` sends the command and prints the block of
//!   its reply (or, without one, the status line).
//!
//! `nntps://` is TLS from the first byte (port 563); `--ssl-reqd`
//! upgrades with STARTTLS first and fails with exit 64 when it is not
//! offered. curl 7.88 has no NNTP, so there is no output to match; the
//! exit codes follow curl's meaning (78 for no such group or article, 67
//! for a refused login, 8 for another refusal).

use super::{
    connect, credentials, implicit_tls, log_tls, open_upload, tls_connector, tls_host,
    upgrade_failure, Args, Failure, Sink, Upload, READ_SIZE,
};
use bytes::Bytes;
use sanswire::io::nntp::Client;
use sanswire::io::{tls, DriveError, SessionError};
use sanswire::nntp::{self, ArticleRef, Command, Event, Nntp, Range, Selection};
use sanswire::wire::Machine;
use std::io::Read;
use std::net::TcpStream;
use std::time::Instant;
use url::Url;

type News = Client<tls::Stream<TcpStream>>;

pub fn fetch(args: &Args, url: &Url, started: Instant, nntps: bool) -> Result<(), Failure> {
    let stream = connect(url, if nntps { 563 } else { 119 }, args, started)?;
    let stream = match nntps {
        true => implicit_tls(args, url, stream, &[])?,
        false => tls::Stream::plain(stream),
    };
    let mut machine = nntp::Client::new();
    super::common::connect_limit(&mut machine, args, started);
    let mut news = News::start(stream, machine).map_err(failure)?;
    super::common::greeted(news.driver(), args, started);
    news.driver().machine().inbox().set_read_size(READ_SIZE);
    log(args, "<", &news.greeting().clone());
    let starttls = args.ssl_reqd && !nntps;
    let capabilities = if starttls {
        news.driver().machine().set_require_tls(true);
        let unavailable = |e: &nntp::Error| e.kind() == nntp::ErrorKind::TlsUnavailable;
        let connector = tls_connector(args)?;
        let caps = news
            .starttls(&connector, tls_host(url))
            .map_err(|e| upgrade_failure(e, unavailable))?;
        log_tls(args, news.driver().stream());
        Some(caps)
    } else {
        news.capabilities().ok()
    };
    if capabilities
        .as_ref()
        .is_some_and(|c| c.mode_reader() && !c.reader())
    {
        news.mode_reader().map_err(failure)?;
    }
    if let Some((user, pass)) = credentials(args, url) {
        news.login(&user, &pass)
            .map_err(|e| Failure(67, format!("Login denied: {}", failure(e).1)))?;
    }
    let path = percent_encoding::percent_decode_str(url.path().trim_start_matches('/'))
        .decode_utf8_lossy()
        .into_owned();
    let result = if url.scheme() == "news" {
        let id = if path.starts_with('<') {
            path
        } else {
            format!("<{path}>")
        };
        print_article(
            args,
            &mut news,
            ArticleRef::MessageId(Bytes::from(id)),
            started,
        )
    } else if let Some(cmd) = &args.request {
        raw(args, &mut news, cmd, started)
    } else if let Some(file) = &args.upload {
        post(&mut news, &path, file)
    } else {
        match path.split_once('/') {
            Some((group, n)) if !n.is_empty() => {
                news.group(group).map_err(failure)?;
                let n = n
                    .parse()
                    .map_err(|_| Failure(3, format!("bad article number {n:?}")))?;
                print_article(args, &mut news, ArticleRef::Number(n), started)
            }
            _ => overview(args, &mut news, path.trim_end_matches('/'), started),
        }
    };
    if let Ok(bye) = news.quit() {
        log(args, "<", &bye);
    }
    result
}

fn log(args: &Args, dir: &str, reply: &nntp::Reply) {
    if args.verbose {
        eprintln!(
            "{dir} {} {}",
            reply.code,
            String::from_utf8_lossy(&reply.text)
        );
    }
}

fn failure(e: SessionError<Nntp>) -> Failure {
    match e {
        DriveError::Refused(nntp::Refusal(r)) => {
            let code = if matches!(r.code, 411 | 423 | 430) {
                78
            } else {
                8
            };
            Failure(
                code,
                format!(
                    "server said {} {}",
                    r.code,
                    String::from_utf8_lossy(&r.text)
                ),
            )
        }
        other => Failure::from(other),
    }
}

fn overview(args: &Args, news: &mut News, group: &str, started: Instant) -> Result<(), Failure> {
    if group.is_empty() {
        return Err(Failure(3, "nntp URL needs a group".into()));
    }
    let info = news.group(group).map_err(failure)?;
    let mut sink = Sink::open(args, started)?;
    if info.count == 0 {
        return sink.finish();
    }
    let range = Range::Between(info.low, info.high);
    // OVER is RFC 3977; INN before 2.5 and other RFC 2980 servers know
    // only XOVER and answer 500.
    let started_block = match news.start_block(Command::Over(Selection::Range(range))) {
        Err(DriveError::Refused(nntp::Refusal(r))) if r.code == 500 => {
            news.start_block(Command::XOver(Some(range)))
        }
        other => other,
    };
    started_block.map_err(failure)?;
    while let Some(entry) = news.next_entry().map_err(failure)? {
        if let Event::Overview(o) = entry {
            let mut line = o.number.to_string().into_bytes();
            for field in [o.subject(), o.from(), o.date(), o.message_id()] {
                line.push(b'\t');
                line.extend_from_slice(field);
            }
            line.push(b'\n');
            sink.write(&line)?;
        }
    }
    sink.finish()
}

fn print_article(
    args: &Args,
    news: &mut News,
    which: ArticleRef,
    started: Instant,
) -> Result<(), Failure> {
    let status = news.start_block(Command::Article(which)).map_err(failure)?;
    log(args, "<", &status);
    let mut sink = Sink::open(args, started)?;
    while let Some(entry) = news.next_entry().map_err(failure)? {
        if let Event::Data(piece) = entry {
            sink.write(&piece)?;
        }
    }
    sink.finish()
}

fn raw(args: &Args, news: &mut News, cmd: &str, started: Instant) -> Result<(), Failure> {
    let block = nntp::raw_block_code(cmd.as_bytes());
    let status = news.raw(cmd).map_err(failure)?;
    log(args, "<", &status);
    let mut sink = Sink::open(args, started)?;
    if block == Some(status.code) {
        while let Some(entry) = news.next_entry().map_err(failure)? {
            if let Event::Data(piece) = entry {
                sink.write(&piece)?;
            }
        }
    } else {
        sink.write(&status.to_line().unwrap_or_default())?;
    }
    sink.finish()
}

fn post(news: &mut News, group: &str, file: &str) -> Result<(), Failure> {
    let mut article = Vec::new();
    match open_upload(file)? {
        Upload::File(mut f, _) => f.read_to_end(&mut article)?,
        Upload::Stdin => std::io::stdin().read_to_end(&mut article)?,
    };
    let group = group.trim_end_matches('/');
    let has_groups = article
        .split(|&b| b == b'\n')
        .take_while(|l| !l.is_empty() && *l != b"\r")
        .any(|l| l.len() > 11 && l[..11].eq_ignore_ascii_case(b"newsgroups:"));
    if !has_groups && !group.is_empty() {
        let mut with = format!("Newsgroups: {group}\r\n").into_bytes();
        with.extend_from_slice(&article);
        article = with;
    }
    news.post(Bytes::from(article)).map_err(failure)?;
    Ok(())
}
