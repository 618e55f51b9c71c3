//! `fetch smtp://host[:port][/helo-domain] --mail-from ADDR --mail-rcpt ADDR... -T FILE`:
//! sends FILE (stdin with `-T -`) as a message, as curl does. Without `-T`,
//! VRFY each `--mail-rcpt` (or HELP without one) and print the reply.
//! `smtps://` is TLS from the first byte (port 465); `--ssl-reqd` upgrades
//! an `smtp://` session with STARTTLS before anything else, and fails with
//! exit 64 if the server does not offer it. `-v` traces the
//! conversation in the clear, after STARTTLS too.
//!
//! Differences from curl: the message goes out with bare LF and bare CR
//! turned into CRLF (curl sends them as they are unless `--crlf`), MAIL
//! and the RCPTs are pipelined when offered, and with no URL path the
//! EHLO name is this host's name even with `-T FILE` (curl appends the
//! file name to the URL and says `EHLO FILE`).

use super::{
    connect, credentials, implicit_tls, log_tls, open_upload, tls_connector, tls_host,
    upgrade_failure, Args, Failure, Upload,
};
use bytes::Bytes;
use sanswire::io::smtp::Client;
use sanswire::io::tls;
use sanswire::smtp::{self, Outcome};
use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;
use std::time::Instant;
use url::Url;

pub fn send(args: &Args, url: &Url, started: Instant, smtps: bool) -> Result<(), Failure> {
    let helo = helo_domain(url);
    let mut machine =
        smtp::Client::new(&helo).map_err(|e| Failure(3, format!("bad EHLO name {helo:?}: {e}")))?;
    // curl sends nothing unless every recipient is accepted.
    machine.set_all_recipients_required(true);
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
    let mut client = Client::new(stream, machine).map_err(|e| upgrade_failure(e, unavailable))?;
    if starttls {
        let connector = tls_connector(args)?;
        traced_starttls(&mut client, &connector, tls_host(url))
            .map_err(|e| upgrade_failure(e, unavailable))?;
        log_tls(args, &client.driver().stream().inner);
    }
    if let Some((user, pass)) = credentials(args, url) {
        if client.capabilities().auth().next().is_none() {
            return Err(Failure(
                67,
                "No known authentication mechanisms supported".into(),
            ));
        }
        client.login(&user, &pass).map_err(|e| match e {
            sanswire::io::DriveError::Refused(smtp::Refusal(r)) => {
                Failure(67, format!("Login denied: {r}"))
            }
            other => other.into(),
        })?;
    }
    match &args.upload {
        Some(name) => {
            let message = read_message(name)?;
            let from = args.mail_from.clone().unwrap_or_default();
            if args.mail_rcpt.is_empty() {
                return Err(Failure(55, "No recipients given (--mail-rcpt)".into()));
            }
            let outcome = client.send_mail(&from, args.mail_rcpt.iter().cloned(), message)?;
            if let Err(failure) = check(&outcome) {
                let _ = client.quit(); // as curl does
                return Err(failure);
            }
        }
        None => {
            let replies = if args.mail_rcpt.is_empty() {
                vec![client.driver().run(smtp::ops::Single::help(None))?]
            } else {
                let mut replies = Vec::new();
                for r in &args.mail_rcpt {
                    replies.push(client.vrfy(r)?);
                }
                replies
            };
            let mut out = io::stdout().lock();
            for reply in replies {
                out.write_all(reply.as_bytes())?;
            }
        }
    }
    client.quit()?;
    Ok(())
}

type TracedClient = Client<Trace<tls::Stream<TcpStream>>>;

/// `STARTTLS` with the TLS layer under the trace: what
/// [`Session::starttls`](sanswire::io::Session::starttls) runs, with the
/// handshake on the stream inside the trace.
fn traced_starttls(
    client: &mut TracedClient,
    connector: &tls::TlsConnector,
    host: &str,
) -> Result<(), sanswire::io::SessionError<smtp::ops::Smtp>> {
    use sanswire::wire::{Machine, StartTls};
    client.run(<smtp::ops::Smtp as StartTls>::Upgrade::default())?;
    let driver = client.driver();
    driver.flush()?;
    sanswire::io::check_upgrade(driver.machine()).map_err(sanswire::io::DriveError::widen)?;
    driver.stream().inner.upgrade_client(connector, host)?;
    driver.machine().tls_established();
    client.run(<smtp::ops::Smtp as StartTls>::Upgraded::default())?;
    Ok(())
}

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

/// curl's verdicts: a refused sender or recipient is error 55, a refused
/// message error 8.
fn check(outcome: &Outcome) -> Result<(), Failure> {
    if !outcome.mail.is_positive() {
        return Err(Failure(55, format!("MAIL failed: {}", outcome.mail)));
    }
    let refused = outcome
        .recipients
        .iter()
        .find_map(|r| r.reply.as_ref().filter(|reply| !reply.is_positive()));
    if let Some(reply) = refused {
        return Err(Failure(55, format!("RCPT failed: {reply}")));
    }
    if !outcome.is_complete() {
        return Err(Failure(8, format!("message refused: {}", outcome.reply)));
    }
    Ok(())
}

/// What the tracing stream is reading on the sending side.
enum Sending {
    Lines,
    /// Dot-stuffed message content, up to `CRLF.CRLF`; `matched` counts
    /// how much of the terminator was just seen.
    Dotted {
        count: u64,
        matched: usize,
    },
    /// BDAT content: so many octets left.
    Octets {
        count: u64,
        left: u64,
    },
}

/// A stream that shows the conversation on stderr with `-v`, like curl:
/// `> ` for command lines sent, `< ` for reply lines, and
/// `} [N bytes data]` for message content.
struct Trace<S> {
    inner: S,
    on: bool,
    sent: Vec<u8>,
    received: Vec<u8>,
    sending: Sending,
}

/// Times out and half-closes as the stream it watches does.
impl<S: sanswire::io::Socket> sanswire::io::Socket for Trace<S> {
    fn set_read_timeout(&mut self, timeout: Option<std::time::Duration>) -> std::io::Result<()> {
        self.inner.set_read_timeout(timeout)
    }

    fn shutdown_write(&mut self) -> std::io::Result<()> {
        self.inner.shutdown_write()
    }
}

impl<S> Trace<S> {
    fn new(inner: S, on: bool) -> Self {
        Trace {
            inner,
            on,
            sent: Vec::new(),
            received: Vec::new(),
            sending: Sending::Lines,
        }
    }

    fn saw_sent(&mut self, mut data: &[u8]) {
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

    fn saw_received(&mut self, data: &[u8]) {
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

impl<S: Read> Read for Trace<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.on {
            self.saw_received(&buf[..n]);
        }
        Ok(n)
    }
}

impl<S: Write> Write for Trace<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if self.on {
            self.saw_sent(&buf[..n]);
        }
        Ok(n)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let n = self.inner.write_vectored(bufs)?;
        if self.on {
            let mut left = n;
            for b in bufs {
                let take = left.min(b.len());
                self.saw_sent(&b[..take]);
                left -= take;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
