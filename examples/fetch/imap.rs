//! `fetch imap[s]://[user:pass@]host[:port]/[MAILBOX[;UIDVALIDITY=V]][/;UID=N|;MAILINDEX=N][;SECTION=S][;PARTIAL=A.B][?QUERY]`
//! as curl does it (RFC 5092 URLs):
//!
//! - no mailbox: `LIST "" *`; a mailbox alone: `LIST "MAILBOX" *`; the
//!   untagged lines are printed as received;
//! - `;UID=N` (`;MAILINDEX=N`): SELECT, then `UID FETCH N BODY[S]<A.B>`
//!   (`FETCH`), and the literal is printed; a UIDVALIDITY that differs
//!   fails with 78, as does a message that is not there;
//! - `?QUERY`: SELECT, then `SEARCH QUERY`;
//! - `-X COMMAND`: SELECT if a mailbox is given, then the command; every
//!   untagged line is printed, as curl prints them (lines starting `* `).
//!
//! `imaps://` is TLS from the first byte (port 993); `--ssl-reqd` upgrades
//! with STARTTLS first and fails with 64 without it. A refused login is
//! 67, a refused SELECT 67, a refused `-X` command 21.

use super::{
    connect, credentials, implicit_tls, log_tls, tls_connector, tls_host, upgrade_failure, Args,
    Failure, Sink, READ_SIZE,
};
use percent_encoding::percent_decode_str;
use sanswire::imap::{self, Data, ErrorKind, FetchAttr, FetchItem, SeqSet};
use sanswire::io::imap::Client;
use sanswire::io::{tls, DriveError, Session};
use sanswire::sasl::Plain;
use sanswire::wire::Machine;
use std::net::TcpStream;
use std::time::Instant;
use url::Url;

type Imap = Client<tls::Stream<TcpStream>>;

/// What the URL asks for.
#[derive(Debug, Default)]
struct Target {
    mailbox: String,
    uidvalidity: Option<u32>,
    uid: Option<String>,
    mailindex: Option<String>,
    section: String,
    partial: Option<String>,
    query: Option<String>,
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn target(url: &Url) -> Result<Target, Failure> {
    let path = url.path().trim_start_matches('/');
    let (mailbox, params) = path.split_once(';').unwrap_or((path, ""));
    let mut t = Target {
        mailbox: decode(mailbox.trim_end_matches('/')),
        query: url.query().map(decode),
        ..Target::default()
    };
    for param in params.split(';').map(|p| p.trim_matches('/')) {
        if param.is_empty() {
            continue;
        }
        let (name, value) = param
            .split_once('=')
            .ok_or_else(|| Failure(3, format!("URL rejected: bad parameter {param:?}")))?;
        let value = decode(value);
        match name.to_ascii_uppercase().as_str() {
            "UIDVALIDITY" => {
                t.uidvalidity = Some(
                    value
                        .parse()
                        .map_err(|_| Failure(3, "URL rejected: bad UIDVALIDITY".into()))?,
                )
            }
            "UID" => t.uid = Some(value),
            "MAILINDEX" => t.mailindex = Some(value),
            "SECTION" => t.section = value,
            "PARTIAL" => t.partial = Some(value),
            _ => {
                return Err(Failure(
                    3,
                    format!("URL rejected: unknown parameter {name}"),
                ))
            }
        }
    }
    Ok(t)
}

pub fn fetch(args: &Args, url: &Url, started: Instant, imaps: bool) -> Result<(), Failure> {
    let t = target(url)?;
    let stream = connect(url, if imaps { 993 } else { 143 }, args, started)?;
    let stream = match imaps {
        true => implicit_tls(args, url, stream, &[])?,
        false => tls::Stream::plain(stream),
    };
    let mut machine = imap::Client::new();
    machine.inbox().set_read_size(READ_SIZE);
    super::common::connect_limit(&mut machine, args, started);
    let mut imap: Imap = Session::start(stream, machine).map_err(failure)?;
    super::common::greeted(imap.driver(), args, started);
    if args.ssl_reqd && !imaps {
        imap.driver().machine().set_require_tls(true);
        let connector = tls_connector(args)?;
        let unavailable = |e: &imap::Error| e.kind() == ErrorKind::TlsUnavailable;
        let caps = imap.capability().map_err(failure)?;
        if !caps.iter().any(|c| c.eq_ignore_ascii_case(b"STARTTLS")) {
            return Err(Failure(64, "STARTTLS not available.".into()));
        }
        imap.starttls(&connector, tls_host(url))
            .map_err(|e| upgrade_failure(e, unavailable))?;
        log_tls(args, imap.driver().stream());
    } else if imap.machine().capabilities().is_none() {
        imap.capability().map_err(failure)?;
    }
    if let Some((user, pass)) = credentials(args, url) {
        let plain = imap.machine().has_capability("AUTH=PLAIN");
        let result = if plain {
            imap.authenticate(Plain::new(&user, &pass))
        } else {
            imap.login(&user, &pass)
        };
        result.map_err(|e| Failure(67, format!("Login denied: {}", failure(e).1)))?;
    }
    let mut sink = Sink::open(args, started)?;
    let wants_message = t.uid.is_some() || t.mailindex.is_some();
    if !t.mailbox.is_empty() && (args.request.is_some() || wants_message || t.query.is_some()) {
        let selected = imap
            .select(&t.mailbox)
            .map_err(|_| Failure(67, "Select failed".into()))?;
        if let (Some(want), Some(have)) = (t.uidvalidity, selected.uid_validity) {
            if want != have {
                return Err(Failure(78, "Mailbox UIDVALIDITY has changed".into()));
            }
        }
    }
    if let Some(command) = &args.request {
        print_lines(&mut imap, &mut sink, command, 21)?;
    } else if wants_message {
        let (uid, n) = match (&t.uid, &t.mailindex) {
            (Some(n), _) => (true, n),
            (None, Some(n)) => (false, n),
            _ => unreachable!(),
        };
        let n: u32 = n
            .parse()
            .map_err(|_| Failure(3, "URL rejected: bad UID".into()))?;
        let partial = t.partial.as_deref().and_then(|p| {
            let (a, b) = p.split_once('.')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        });
        let attr = FetchAttr::Section {
            peek: false,
            section: t.section.to_ascii_uppercase().into(),
            partial,
        };
        let fetched = match uid {
            true => imap.uid_fetch(SeqSet::single(n), vec![attr]),
            false => imap.fetch(SeqSet::single(n), vec![attr]),
        }
        .map_err(|_| Failure(78, "Failed to fetch the message".into()))?;
        let data = fetched.into_iter().find_map(|(_, items)| {
            items.into_iter().find_map(|i| match i {
                FetchItem::Section { data, .. } => Some(data.unwrap_or_default()),
                _ => None,
            })
        });
        match data {
            Some(d) => sink.write(&d)?,
            None => return Err(Failure(78, "Failed to fetch the message".into())),
        }
    } else if let Some(query) = &t.query {
        print_lines(&mut imap, &mut sink, &format!("SEARCH {query}"), 8)?;
    } else {
        let reference = quoted(&t.mailbox);
        print_lines(&mut imap, &mut sink, &format!("LIST {reference} *"), 8)?;
    }
    sink.finish()?;
    let _ = imap.logout();
    Ok(())
}

/// curl quotes the mailbox of a LIST (and sends `""` for none).
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Sends `line` and prints every untagged line of its answer, as curl
/// does; a refusal fails with `refused_code`.
fn print_lines(
    imap: &mut Imap,
    sink: &mut Sink,
    line: &str,
    refused_code: i32,
) -> Result<(), Failure> {
    imap.driver().machine().set_raw_untagged(true);
    let answer = imap
        .call(imap::ops::Collect::raw(line))
        .map_err(|e| match e {
            DriveError::Refused(_) if refused_code == 21 => {
                Failure(21, "Quote command returned error".into())
            }
            other => failure(other),
        })?;
    for d in answer.data {
        if let Data::Other(raw) = d {
            for l in raw.split_inclusive(|&b| b == b'\n') {
                if l.starts_with(b"* ") {
                    sink.write(l)?;
                }
            }
        }
    }
    imap.driver().machine().set_raw_untagged(false);
    Ok(())
}

fn failure(e: sanswire::io::SessionError<imap::Imap>) -> Failure {
    match e {
        DriveError::Refused(imap::Refusal(s)) => Failure(
            8,
            format!("Weird server reply: {}", String::from_utf8_lossy(&s.text)),
        ),
        other => Failure::from(other),
    }
}
