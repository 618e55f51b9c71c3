//! `fetch pop3[s]://[user[;AUTH=MECH]:pass@]host[:port]/[N]`: the LIST
//! listing, message N, or `-X CMD`'s answer, as curl prints them; with
//! `-l`, LIST only (`LIST N` prints nothing). Login as curl chooses it:
//! the strongest SASL mechanism both sides have (curl's order, see
//! `sasl::choose_like_curl`), falling back to the next after a cancelled
//! one; else APOP when the greeting has a timestamp; else USER/PASS.
//! `;AUTH=` in the URL or `--login-options AUTH=` picks one (`*` any,
//! `+APOP`); `--sasl-ir` sends the initial response with AUTH;
//! `--oauth2-bearer` logs in with OAUTHBEARER or XOAUTH2 only. `--ssl`
//! upgrades with STLS when offered, `--ssl-reqd` insists (exit 64). `-v`
//! traces the conversation as curl does, in the clear after STLS too.

use super::common::{exit, percent_decoded, traced_starttls, Login, OverTls, Trace, Tracer};
use super::{
    connect, implicit_tls, log_tls, tls_connector, tls_host, upgrade_failure, Args, Failure, Sink,
    READ_SIZE,
};
use sanswire::io::tls;
use sanswire::pop3::Capabilities;
use sanswire::sasl;
use sanswire::wire::Machine;
use std::net::TcpStream;
use std::time::Instant;
use url::Url;

type Pop3Client = sanswire::io::pop3::Client<Trace<tls::Stream<TcpStream>, Pop3Tracer>>;

pub fn fetch(args: &Args, url: &Url, started: Instant, pop3s: bool) -> Result<(), Failure> {
    let stream = connect(url, if pop3s { 995 } else { 110 }, args, started)?;
    let stream = match pop3s {
        true => implicit_tls(args, url, stream, &[])?,
        false => tls::Stream::plain(stream),
    };
    // The trace sits above TLS: it shows the conversation in the clear,
    // after STLS too, as curl does.
    let mut machine = sanswire::pop3::Client::new();
    super::common::connect_limit(&mut machine, args, started);
    let mut pop =
        Pop3Client::start(Trace::new(stream, args.verbose), machine).map_err(pop3_failure)?;
    super::common::greeted(pop.driver(), args, started);
    pop.driver().machine().inbox().set_read_size(READ_SIZE);
    let capabilities = capabilities(args, url, &mut pop, pop3s)?;
    let login = Login::from_args(args, url);
    if login.user.is_some() || login.token.is_some() {
        // A refused login ends the session without QUIT, as with curl.
        login.run(&mut pop, capabilities.as_ref(), url)?;
    }
    let id = percent_decoded(url.path().trim_start_matches('/'));
    let line = match (&args.request, id.is_empty()) {
        (Some(cmd), true) => cmd.clone(),
        (Some(cmd), false) => format!("{cmd} {id}"),
        (None, true) => "LIST".to_string(),
        (None, false) if args.list_only => format!("LIST {id}"),
        (None, false) => format!("RETR {id}"),
    };
    let op = sanswire::pop3::ops::Raw::new(&line);
    let has_block = op.has_block();
    if let Err(e) = pop.raw(op) {
        let failure = pop3_failure(e);
        if failure.0 == exit::WEIRD_SERVER_REPLY {
            quit(&mut pop, true); // curl says QUIT after an -ERR
        }
        return Err(failure);
    }
    let mut sink = Sink::open(args, started)?;
    if has_block {
        while let Some(piece) = pop.read_message().map_err(pop3_failure)? {
            sink.write(&piece)?;
        }
    }
    sink.finish()?;
    quit(&mut pop, false);
    Ok(())
}

/// QUIT. At the end curl says it when it lets the connection go, out of
/// `-v`'s sight (`traced` false); after an -ERR, in it.
fn quit(pop: &mut Pop3Client, traced: bool) {
    pop.driver().stream().on &= traced;
    let _ = pop.quit();
}

/// CAPA, and STLS when asked for (`--ssl-reqd`: required; `--ssl`: when
/// offered). curl goes on without capabilities when CAPA is refused.
fn capabilities(
    args: &Args,
    url: &Url,
    pop: &mut Pop3Client,
    pop3s: bool,
) -> Result<Option<Capabilities>, Failure> {
    let unavailable = |e: &sanswire::pop3::Error| {
        matches!(e.kind(), sanswire::pop3::ErrorKind::TlsUnavailable(_))
    };
    if args.ssl_reqd && !pop3s {
        pop.driver().machine().set_require_tls(true);
        let connector = tls_connector(args)?;
        let caps = traced_starttls(pop, &connector, tls_host(url))
            .map_err(|e| upgrade_failure(e, unavailable))?;
        log_tls(args, pop.driver().stream().tls());
        return Ok(Some(caps));
    }
    let caps = pop.capa().ok();
    if args.ssl && !pop3s && caps.as_ref().is_some_and(|c| c.stls()) {
        let connector = tls_connector(args)?;
        let caps = traced_starttls(pop, &connector, tls_host(url))
            .map_err(|e| upgrade_failure(e, unavailable))?;
        log_tls(args, pop.driver().stream().tls());
        return Ok(Some(caps));
    }
    Ok(caps)
}

impl Login {
    /// curl's POP3 login: SASL when offered and allowed, else APOP, else
    /// USER/PASS; a bearer token or a named mechanism allows SASL only.
    fn run(
        &self,
        pop: &mut Pop3Client,
        caps: Option<&Capabilities>,
        url: &Url,
    ) -> Result<(), Failure> {
        let auth = self.auth.as_deref();
        let any = auth.is_none_or_star();
        let apop_only = auth.is_some_and(|a| a.eq_ignore_ascii_case("+APOP"));
        let sasl_only = self.token.is_some() || !(any || apop_only);
        if !apop_only {
            if let Some(result) = self.sasl(pop, caps, url) {
                return result;
            }
        }
        if sasl_only {
            return Err(no_mechanism());
        }
        let user = self.user.clone().unwrap_or_default();
        let result = if pop.driver().machine().apop_timestamp().is_some() {
            pop.apop(&user, &self.pass)
        } else if !apop_only && caps.is_none_or_offers_user() {
            pop.login(&user, &self.pass)
        } else {
            return Err(no_mechanism());
        };
        result.map(|_| ()).map_err(denied)
    }

    /// The SASL exchange, with curl's fallback after a cancelled
    /// mechanism; `None` when no mechanism fits (so the others may run).
    fn sasl(
        &self,
        pop: &mut Pop3Client,
        caps: Option<&Capabilities>,
        url: &Url,
    ) -> Option<Result<(), Failure>> {
        let offered: Vec<String> = caps?
            .sasl_mechanisms()
            .iter()
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .collect();
        let creds = self.credentials();
        let mut tried: Vec<&str> = Vec::new();
        let mut name = sasl::choose_like_curl(
            offered.iter().map(String::as_str),
            &creds,
            self.auth.as_deref(),
            &tried,
        )?;
        loop {
            let result = pop.auth(self.mechanism(name, &creds, url));
            match result {
                Ok(_) => return Some(Ok(())),
                Err(e) if pop.driver().machine().auth_cancelled() => {
                    // curl drops a mechanism it had to cancel and tries the next.
                    tried.push(name);
                    let next = sasl::choose_like_curl(
                        offered.iter().map(String::as_str),
                        &creds,
                        self.auth.as_deref(),
                        &tried,
                    );
                    match next {
                        Some(n) => name = n,
                        None => return Some(Err(denied(e))),
                    }
                }
                Err(e) => return Some(Err(denied(e))),
            }
        }
    }
}

trait AuthChoice {
    fn is_none_or_star(&self) -> bool;
}

impl AuthChoice for Option<&str> {
    fn is_none_or_star(&self) -> bool {
        matches!(self, None | Some("*"))
    }
}

trait UserCapability {
    fn is_none_or_offers_user(&self) -> bool;
}

/// curl tries USER/PASS when CAPA lists USER, or when there was no CAPA.
impl UserCapability for Option<&Capabilities> {
    fn is_none_or_offers_user(&self) -> bool {
        self.is_none_or(|c| c.contains(&sanswire::pop3::Capability::User))
    }
}

fn no_mechanism() -> Failure {
    Failure(
        exit::LOGIN_DENIED,
        "No known authentication mechanisms supported".into(),
    )
}

fn denied(e: sanswire::io::SessionError<sanswire::pop3::Pop3>) -> Failure {
    Failure(
        exit::LOGIN_DENIED,
        format!("Login denied: {}", pop3_failure(e).1),
    )
}

/// curl's exit codes: 8 for a `-ERR` it did not expect, 67 for a refused
/// login (set by the caller).
fn pop3_failure(e: sanswire::io::SessionError<sanswire::pop3::Pop3>) -> Failure {
    match e {
        sanswire::io::DriveError::Refused(sanswire::pop3::Refusal(r)) => Failure(
            exit::WEIRD_SERVER_REPLY,
            format!(
                "Weird server reply: -ERR {}",
                String::from_utf8_lossy(&r.text)
            ),
        ),
        other => Failure::from(other),
    }
}

/// POP3's part of the `-v` trace, like curl: `> ` for lines sent, `< `
/// for lines received (CAPA's included), and `{ [N bytes data]` for the
/// block after the `+OK` of RETR, LIST, TOP, UIDL and the like.
#[derive(Default)]
struct Pop3Tracer {
    sent: Vec<u8>,
    received: Vec<u8>,
    /// The last command sent answers with a data block.
    block_next: bool,
    /// In a data block: how much of `CRLF.CRLF` was just seen.
    in_block: Option<usize>,
    /// The last line received was a SASL challenge (`+ ...`): the next
    /// line sent answers it.
    challenged: bool,
}

impl Tracer for Pop3Tracer {
    fn sent(&mut self, data: &[u8]) {
        for &b in data {
            self.sent.push(b);
            if b == b'\n' {
                let line = String::from_utf8_lossy(&self.sent)
                    .trim_end_matches(['\r', '\n'])
                    .to_string();
                eprintln!("> {line}");
                // CAPA's lines are shown as lines, as curl shows them.
                let is_capa = line.eq_ignore_ascii_case("CAPA");
                self.block_next = !is_capa
                    && !std::mem::take(&mut self.challenged)
                    && sanswire::pop3::ops::Raw::new(&line).has_block();
                self.sent.clear();
            }
        }
    }

    fn received(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            data = match self.in_block {
                Some(matched) => self.block_bytes(data, matched),
                None => self.line_bytes(data),
            };
        }
    }
}

impl Pop3Tracer {
    /// Counts block bytes up to and with the terminator.
    fn block_bytes<'a>(&mut self, data: &'a [u8], mut matched: usize) -> &'a [u8] {
        const END: &[u8] = b"\r\n.\r\n";
        let mut used = data.len();
        for (i, &b) in data.iter().enumerate() {
            matched = match b {
                _ if b == END[matched] => matched + 1,
                b'\r' => 1,
                _ => 0,
            };
            if matched == END.len() {
                used = i + 1;
                break;
            }
        }
        eprintln!("{{ [{used} bytes data]");
        self.in_block = (matched < END.len()).then_some(matched);
        &data[used..]
    }

    fn line_bytes<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        let Some(end) = memchr::memchr(b'\n', data) else {
            self.received.extend_from_slice(data);
            return &[];
        };
        self.received.extend_from_slice(&data[..=end]);
        let line = String::from_utf8_lossy(&self.received)
            .trim_end_matches(['\r', '\n'])
            .to_string();
        eprintln!("< {line}");
        self.challenged = line == "+" || line.starts_with("+ ");
        if self.block_next && line.starts_with("+OK") {
            // The status line's CRLF counts toward the terminator: an
            // empty block is `.CRLF` right after it.
            self.in_block = Some(2);
        }
        if line.starts_with("+OK") || line.starts_with("-ERR") {
            self.block_next = false;
        }
        self.received.clear();
        &data[end + 1..]
    }
}
