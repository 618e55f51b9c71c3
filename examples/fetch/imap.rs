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
//! 67, a refused SELECT 67, a refused `-X` command 21. `-v` traces the
//! conversation as curl does (`> ` sent, `< ` received, literals left
//! out, tags in curl's `A001` form), in the clear after STARTTLS too.

use super::common::{traced_starttls, Login, OverTls, Trace, Tracer};
use super::{
    connect, implicit_tls, log_tls, tls_connector, tls_host, upgrade_failure, Args, Failure, Sink,
    READ_SIZE,
};
use percent_encoding::percent_decode_str;
use sanswire::imap::{self, Data, ErrorKind, FetchItem};
use sanswire::io::imap::Client;
use sanswire::io::{tls, DriveError, Session};
use sanswire::sasl;
use sanswire::wire::Machine;
use std::net::TcpStream;
use std::time::Instant;
use url::Url;

type Imap = Client<Trace<tls::Stream<TcpStream>, ImapTracer>>;

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
    // curl's tags, so a `-v` trace reads the same.
    machine.set_tag_digits(3);
    // The trace sits above TLS: the conversation in the clear.
    let mut imap: Imap =
        Session::start(Trace::new(stream, args.verbose), machine).map_err(failure)?;
    super::common::greeted(imap.driver(), args, started);
    if args.ssl_reqd && !imaps {
        imap.driver().machine().set_require_tls(true);
        let connector = tls_connector(args)?;
        let unavailable = |e: &imap::Error| e.kind() == ErrorKind::TlsUnavailable;
        let caps = imap.capability().map_err(failure)?;
        if !caps.iter().any(|c| c.eq_ignore_ascii_case(b"STARTTLS")) {
            return Err(Failure(64, "STARTTLS not available.".into()));
        }
        traced_starttls(&mut imap, &connector, tls_host(url))
            .map_err(|e| upgrade_failure(e, unavailable))?;
        log_tls(args, imap.driver().stream().tls());
    } else {
        // curl asks even when the greeting listed them.
        imap.capability().map_err(failure)?;
    }
    log_in(args, url, &mut imap)?;
    let result = transfer(args, &t, &mut imap, started);
    // curl says LOGOUT as it lets the connection go: out of `-v`'s sight
    // after a transfer, in it after a failure.
    imap.driver().stream().on &= result.is_err();
    let _ = imap.logout();
    result
}

/// curl's IMAP login: the strongest SASL mechanism both sides have
/// (`sasl::choose_like_curl`; `;AUTH=` or `--login-options` picks one),
/// its initial response on the command line when the server offers
/// SASL-IR; else LOGIN, unless LOGINDISABLED or a bearer token.
fn log_in(args: &Args, url: &Url, imap: &mut Imap) -> Result<(), Failure> {
    let mut login = Login::from_args(args, url);
    if login.user.is_none() && login.token.is_none() {
        return Ok(());
    }
    // The machine sends the initial response when SASL-IR is offered.
    login.sasl_ir = true;
    let denied = |e| Failure(67, format!("Login denied: {}", failure(e).1));
    let caps = imap.machine().capabilities().unwrap_or_default();
    let offered: Vec<String> = caps
        .iter()
        .filter_map(|c| {
            let c = String::from_utf8_lossy(c);
            let m = c
                .get(..5)?
                .eq_ignore_ascii_case("AUTH=")
                .then(|| c[5..].to_string());
            m
        })
        .collect();
    let creds = login.credentials();
    let name = sasl::choose_like_curl(
        offered.iter().map(String::as_str),
        &creds,
        login.auth.as_deref(),
        &[],
    );
    if let Some(name) = name {
        let mechanism = login.mechanism(name, &creds, url);
        return imap
            .call(imap::ops::Simple::authenticate(mechanism))
            .map(|_| ())
            .map_err(denied);
    }
    let any = login.auth.as_deref().is_none_or(|a| a == "*");
    if login.token.is_some() || !any || imap.machine().has_capability("LOGINDISABLED") {
        return Err(Failure(
            67,
            "No known authentication mechanisms supported".into(),
        ));
    }
    let user = login.user.clone().unwrap_or_default();
    imap.login(&user, &login.pass).map(|_| ()).map_err(denied)
}

/// What the URL asks for, once logged in.
fn transfer(args: &Args, t: &Target, imap: &mut Imap, started: Instant) -> Result<(), Failure> {
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
        print_lines(imap, &mut sink, command, 21)?;
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
            Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?))
        });
        // The line as curl writes it (one item, no parentheses).
        let mut line = format!(
            "{}FETCH {n} BODY[{}]",
            if uid { "UID " } else { "" },
            t.section.to_ascii_uppercase()
        );
        if let Some((a, b)) = partial {
            line.push_str(&format!("<{a}.{b}>"));
        }
        // curl reads the message as a literal (its octets untraced).
        imap.driver().stream().tracer.skip_literals = true;
        let answer = imap
            .call(imap::ops::Collect::raw(&line))
            .map_err(|_| Failure(78, "Failed to fetch the message".into()))?;
        imap.driver().stream().tracer.skip_literals = false;
        let data = answer.data.into_iter().find_map(|d| match d {
            Data::Fetch { items, .. } => items.into_iter().find_map(|i| match i {
                FetchItem::Section { data, .. } => Some(data.unwrap_or_default()),
                _ => None,
            }),
            _ => None,
        });
        match data {
            Some(d) => sink.write(&d)?,
            None => return Err(Failure(78, "Failed to fetch the message".into())),
        }
    } else if let Some(query) = &t.query {
        print_lines(imap, &mut sink, &format!("SEARCH {query}"), 8)?;
    } else {
        let reference = quoted(&t.mailbox);
        print_lines(imap, &mut sink, &format!("LIST {reference} *"), 8)?;
    }
    sink.finish()
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

/// IMAP's part of the `-v` trace, as curl shows it: `> ` for each line
/// sent, `< ` for each line received; a literal's octets are left out,
/// and the rest of its line after it is a line of its own.
#[derive(Default)]
struct ImapTracer {
    /// Leave literals received out (curl does in the FETCH of a URL's
    /// message; other answers it reads, and shows, line by line).
    skip_literals: bool,
    sent: Lines,
    received: Lines,
}

impl Tracer for ImapTracer {
    fn sent(&mut self, bytes: &[u8]) {
        self.sent.saw(bytes, "> ", false);
    }

    fn received(&mut self, bytes: &[u8]) {
        self.received.saw(bytes, "< ", self.skip_literals);
    }
}

/// Lines of one direction, with the literals inside them skipped.
#[derive(Default)]
struct Lines {
    line: Vec<u8>,
    /// Literal octets still to skip.
    literal: u64,
}

impl Lines {
    fn saw(&mut self, mut data: &[u8], prefix: &str, skip_literals: bool) {
        while !data.is_empty() {
            if self.literal > 0 {
                let n = data
                    .len()
                    .min(usize::try_from(self.literal).unwrap_or(usize::MAX));
                self.literal -= n as u64;
                data = &data[n..];
                continue;
            }
            let Some(end) = memchr::memchr(b'\n', data) else {
                self.line.extend_from_slice(data);
                return;
            };
            self.line.extend_from_slice(&data[..=end]);
            data = &data[end + 1..];
            let text = String::from_utf8_lossy(&self.line);
            let text = text.trim_end_matches(['\r', '\n']);
            eprintln!("{prefix}{text}");
            if skip_literals {
                self.literal = literal_size(text).unwrap_or(0);
            }
            self.line.clear();
        }
    }
}

/// The size of the literal announced at the end of `line` (`{N}`, `{N+}`).
fn literal_size(line: &str) -> Option<u64> {
    let open = line.strip_suffix('}')?.rfind('{')?;
    let digits = line[open + 1..line.len() - 1].trim_end_matches('+');
    digits.parse().ok()
}
