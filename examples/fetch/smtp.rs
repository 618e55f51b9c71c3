//! `fetch smtp://host[:port][/helo-domain] --mail-from ADDR --mail-rcpt ADDR... -T FILE`:
//! sends FILE (stdin with `-T -`) as a message, as curl does. Without `-T`,
//! `-X VRFY|EXPN|HELP|NOOP|RSET` (default: VRFY each `--mail-rcpt`, or HELP
//! without one) and the reply on stdout or `-o`. `smtps://` is TLS from the
//! first byte (port 465); `--ssl-reqd` upgrades an `smtp://` session with
//! STARTTLS before anything else, and fails with exit 64 if the server does
//! not offer it; `--ssl` upgrades when offered. Login as for pop3 (see
//! fetch/pop3.rs), and only when the server offers AUTH. `-v` traces the
//! conversation in the clear, after STARTTLS too.
//!
//! Differences from curl: the message goes out with bare LF and bare CR
//! turned into CRLF (curl sends them as they are unless `--crlf`), MAIL
//! and the RCPTs are pipelined when offered, BDAT is used when CHUNKING is
//! offered, RSET goes before QUIT after a refused recipient, words after an
//! address go out as ESMTP parameters, and with no URL path the EHLO name
//! is this host's name even with `-T FILE` (curl appends the file name to
//! the URL and says `EHLO FILE`).

use super::common::{exit, traced_starttls, Login, Sink, Trace, Tracer};
use super::{
    connect, implicit_tls, log_tls, open_upload, tls_connector, tls_host, upgrade_failure, Args,
    Failure, Upload,
};
use bytes::Bytes;
use sanswire::io::smtp::Client;
use sanswire::io::tls;
use sanswire::sasl;
use sanswire::smtp::{self, Outcome};
use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;
use url::Url;

pub fn send(args: &Args, url: &Url, started: Instant, smtps: bool) -> Result<(), Failure> {
    let helo = helo_domain(url);
    let mut machine =
        smtp::Client::new(&helo).map_err(|e| Failure(3, format!("bad EHLO name {helo:?}: {e}")))?;
    // curl sends nothing unless every recipient is accepted (unless
    // --mail-rcpt-allowfails).
    machine.set_all_recipients_required(!args.mail_rcpt_allowfails);
    let starttls = args.ssl_reqd && !smtps;
    // Never on in plaintext when TLS is required: the machine refuses to.
    machine.set_require_tls(starttls);
    let tcp = connect(url, if smtps { 465 } else { 25 }, args, started)?;
    let stream = match smtps {
        true => implicit_tls(args, url, tcp, &[])?,
        false => tls::Stream::plain(tcp),
    };
    // The trace sits above TLS: it shows the conversation in the clear,
    // after STARTTLS too, as curl does.
    let stream = Trace::new(stream, args.verbose);
    let unavailable = |e: &smtp::Error| matches!(e.kind(), smtp::ErrorKind::TlsUnavailable(_));
    super::common::connect_limit(&mut machine, args, started);
    let mut client = Client::new(stream, machine).map_err(|e| upgrade_failure(e, unavailable))?;
    super::common::greeted(client.driver(), args, started);
    // --ssl: STARTTLS when offered, on without it when not.
    let offered = client.capabilities().starttls;
    if starttls || (args.ssl && !smtps && offered) {
        let connector = tls_connector(args)?;
        traced_starttls(&mut client, &connector, tls_host(url))
            .map_err(|e| upgrade_failure(e, unavailable))?;
        log_tls(args, &client.driver().stream().inner);
    }
    let login = Login::from_args(args, url);
    let mut authenticated = false;
    if login.user.is_some() || login.token.is_some() {
        authenticated = login.smtp(&mut client, url)?;
    }
    match &args.upload {
        Some(name) => {
            let message = read_message(name)?;
            let envelope = envelope(args, authenticated)?;
            let outcome = client.send_envelope(envelope, message)?;
            if let Err(failure) = check(&outcome, args.mail_rcpt_allowfails) {
                let _ = client.quit(); // as curl does
                return Err(failure);
            }
        }
        None => {
            if let Err(failure) = command(args, &mut client, started) {
                let _ = client.quit();
                return Err(failure);
            }
        }
    }
    client.quit()?;
    Ok(())
}

/// Without `-T`: `-X` (VRFY, EXPN, HELP, NOOP, RSET) or, as curl picks, VRFY
/// for each `--mail-rcpt` or HELP; the reply to stdout or `-o`. A refused
/// VRFY or EXPN exits 8.
fn command(args: &Args, client: &mut TracedClient, started: Instant) -> Result<(), Failure> {
    let verb = args.request.as_deref().map(str::to_ascii_uppercase);
    let verb = verb.unwrap_or_else(|| match args.mail_rcpt.is_empty() {
        true => "HELP".into(),
        false => "VRFY".into(),
    });
    let targets: Vec<Option<&str>> = match args.mail_rcpt.is_empty() {
        true => vec![None],
        false => args.mail_rcpt.iter().map(|r| Some(r.as_str())).collect(),
    };
    let mut sink = Sink::open(args, started)?;
    for target in targets {
        let op = match (verb.as_str(), target) {
            ("VRFY", Some(t)) => smtp::ops::Single::vrfy(t),
            ("EXPN", Some(t)) => smtp::ops::Single::expn(t),
            ("HELP", t) => smtp::ops::Single::help(t),
            ("NOOP", _) => smtp::ops::Single::noop(),
            ("RSET", _) => smtp::ops::Single::rset(),
            (other, _) => {
                return Err(Failure(
                    exit::UNSUPPORTED_PROTOCOL,
                    format!("-X {other} is not supported for smtp yet"),
                ))
            }
        };
        let reply = client.driver().run(op)?;
        if !reply.is_positive() && matches!(verb.as_str(), "VRFY" | "EXPN") {
            return Err(Failure(
                exit::WEIRD_SERVER_REPLY,
                format!("Weird server reply: {reply}"),
            ));
        }
        sink.write(reply.as_bytes())?;
    }
    sink.finish()
}

/// The envelope curl would send: `<...>` around addresses optional, the
/// words after an address passed on as ESMTP parameters for the server to
/// judge (DSN's NOTIFY, ORCPT, RET, ENVID...), `--mail-auth` as `AUTH=`
/// after a login (curl's rule).
///
/// Unlike curl, which strips one `<` and one `>` and wraps the rest, so
/// that `<a@b> NOTIFY=NEVER` goes out as `<a@b> NOTIFY=NEVER>`, the
/// parameters go out as parameters.
fn envelope(args: &Args, authenticated: bool) -> Result<smtp::Envelope, Failure> {
    if args.mail_rcpt.is_empty() {
        return Err(Failure(
            exit::SEND_ERROR,
            "No recipients given (--mail-rcpt)".into(),
        ));
    }
    let (from, mail_params) = path_and_params(args.mail_from.as_deref().unwrap_or(""));
    let mut envelope = smtp::Envelope::new(from, Vec::<smtp::Recipient>::new());
    envelope.params.other = mail_params;
    if let Some(auth) = &args.mail_auth {
        if authenticated {
            let (addr, _) = path_and_params(auth);
            envelope.params.other.push(smtp::Param {
                keyword: "AUTH".into(),
                value: Some(format!("<{addr}>")),
            });
        }
    }
    for rcpt in &args.mail_rcpt {
        let (address, other) = path_and_params(rcpt);
        let mut recipient = smtp::Recipient::from(address);
        recipient.params.other = other;
        envelope.recipients.push(recipient);
    }
    Ok(envelope)
}

/// `<a@b> NOTIFY=SUCCESS` or `a@b`: the address and the parameters.
fn path_and_params(s: &str) -> (String, Vec<smtp::Param>) {
    let s = s.trim();
    let (addr, rest) = match s.strip_prefix('<') {
        Some(inner) => inner.split_once('>').unwrap_or((inner, "")),
        None => s.split_once(' ').unwrap_or((s, "")),
    };
    let params = rest
        .split_ascii_whitespace()
        .map(|p| match p.split_once('=') {
            Some((k, v)) => smtp::Param {
                keyword: k.into(),
                value: Some(v.into()),
            },
            None => smtp::Param {
                keyword: p.into(),
                value: None,
            },
        })
        .collect();
    (addr.to_string(), params)
}

impl Login {
    /// curl's SMTP login: only when the server offers AUTH (else on
    /// without it), with the mechanism curl picks (`;AUTH=`,
    /// `--login-options`, `--sasl-ir` and `--oauth2-bearer` as for pop3).
    /// Whether it logged in.
    fn smtp(&self, client: &mut TracedClient, url: &Url) -> Result<bool, Failure> {
        let offered: Vec<String> = client.capabilities().auth().map(String::from).collect();
        if offered.is_empty() {
            return Ok(false);
        }
        let creds = self.credentials();
        let mut tried: Vec<&str> = Vec::new();
        loop {
            let Some(name) = sasl::choose_like_curl(
                offered.iter().map(String::as_str),
                &creds,
                self.auth.as_deref(),
                &tried,
            ) else {
                return Err(Failure(
                    exit::LOGIN_DENIED,
                    "No known authentication mechanisms supported".into(),
                ));
            };
            match client.auth(self.mechanism(name, &creds, url)) {
                Ok(_) => return Ok(true),
                // curl drops a mechanism it had to cancel and tries the next.
                Err(_) if client.driver().machine().auth_cancelled() => tried.push(name),
                Err(sanswire::io::DriveError::Refused(smtp::Refusal(r))) => {
                    return Err(Failure(exit::LOGIN_DENIED, format!("Login denied: {r}")))
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
}

type TracedClient = Client<Trace<tls::Stream<TcpStream>, SmtpTracer>>;

/// The URL path names the client (curl's rule); else this host's name.
fn helo_domain(url: &Url) -> String {
    let path = percent_encoding::percent_decode_str(url.path().trim_start_matches('/'))
        .decode_utf8_lossy()
        .into_owned();
    if !path.is_empty() {
        return path;
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| smtp::check_domain_or_literal(h).is_ok())
        .unwrap_or_else(|| "localhost".into())
}

fn read_message(name: &str) -> Result<Bytes, Failure> {
    let mut data = Vec::new();
    match open_upload(name)? {
        Upload::File(mut f, _) => f.read_to_end(&mut data)?,
        Upload::Stdin => io::stdin().read_to_end(&mut data)?,
    };
    Ok(Bytes::from(data))
}

/// curl's verdicts: a refused sender or recipient is error 55 (with
/// --mail-rcpt-allowfails, only when every recipient is refused), a
/// refused message error 8.
fn check(outcome: &Outcome, allow_fails: bool) -> Result<(), Failure> {
    if !outcome.mail.is_positive() {
        return Err(Failure(
            exit::SEND_ERROR,
            format!("MAIL failed: {}", outcome.mail),
        ));
    }
    let replies: Vec<_> = outcome
        .recipients
        .iter()
        .filter_map(|r| r.reply.as_ref())
        .collect();
    let refused = replies.iter().find(|reply| !reply.is_positive());
    let all_refused = !replies.is_empty() && replies.iter().all(|r| !r.is_positive());
    if let Some(reply) = refused.filter(|_| !allow_fails || all_refused) {
        return Err(Failure(exit::SEND_ERROR, format!("RCPT failed: {reply}")));
    }
    if outcome.delivered().next().is_none() || !outcome.reply.is_positive() {
        return Err(Failure(
            exit::WEIRD_SERVER_REPLY,
            format!("message refused: {}", outcome.reply),
        ));
    }
    Ok(())
}

/// What the tracing stream is reading on the sending side.
#[derive(Default)]
enum Sending {
    #[default]
    Lines,
    /// Dot-stuffed message content, up to `CRLF.CRLF`; `matched` counts
    /// how much of the terminator was just seen.
    Dotted { count: u64, matched: usize },
    /// BDAT content: so many octets left.
    Octets { count: u64, left: u64 },
}

/// SMTP's part of the `-v` trace, like curl: `> ` for command lines
/// sent, `< ` for reply lines, and `} [N bytes data]` for message
/// content.
#[derive(Default)]
struct SmtpTracer {
    sent: Vec<u8>,
    received: Vec<u8>,
    sending: Sending,
}

impl Tracer for SmtpTracer {
    fn sent(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            data = match &mut self.sending {
                Sending::Lines => self.sent_line_bytes(data),
                Sending::Dotted { count, matched } => {
                    const END: &[u8] = b"\r\n.\r\n";
                    let mut used = data.len();
                    for (i, &b) in data.iter().enumerate() {
                        *matched = if b == END[*matched] {
                            *matched + 1
                        } else if b == b'\r' {
                            1
                        } else {
                            0
                        };
                        if *matched == END.len() {
                            used = i + 1;
                            break;
                        }
                    }
                    *count += used as u64;
                    if *matched == END.len() {
                        eprintln!("}} [{count} bytes data]");
                        self.sending = Sending::Lines;
                    }
                    &data[used..]
                }
                Sending::Octets { count, left } => {
                    let used = (*left).min(data.len() as u64);
                    *left -= used;
                    if *left == 0 {
                        eprintln!("}} [{count} bytes data]");
                        self.sending = Sending::Lines;
                    }
                    &data[used as usize..]
                }
            };
        }
    }

    fn received(&mut self, data: &[u8]) {
        for &b in data {
            self.received.push(b);
            if b == b'\n' {
                let line = String::from_utf8_lossy(&self.received)
                    .trim_end()
                    .to_string();
                eprintln!("< {line}");
                if line.starts_with("354") {
                    // The message follows, up to CRLF.CRLF; a message
                    // that starts with the terminator's tail is empty.
                    self.sending = Sending::Dotted {
                        count: 0,
                        matched: 2,
                    };
                }
                self.received.clear();
            }
        }
    }
}

impl SmtpTracer {
    fn sent_line_bytes<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        let Some(end) = memchr::memchr(b'\n', data) else {
            self.sent.extend_from_slice(data);
            return &[];
        };
        self.sent.extend_from_slice(&data[..=end]);
        let line = String::from_utf8_lossy(&self.sent).trim_end().to_string();
        eprintln!("> {line}");
        self.sent.clear();
        let mut words = line.split_ascii_whitespace();
        if words.next().is_some_and(|w| w.eq_ignore_ascii_case("BDAT")) {
            let count = words.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            if count > 0 {
                self.sending = Sending::Octets { count, left: count };
            }
        }
        &data[end + 1..]
    }
}
