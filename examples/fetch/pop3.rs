//! `fetch pop3[s]://[user[;AUTH=MECH]:pass@]host[:port]/[N]`: the LIST
//! listing, message N, or `-X CMD`'s answer, as curl prints them; with
//! `-l`, LIST only (`LIST N` prints nothing). Login as curl chooses it:
//! the strongest SASL mechanism both sides have (curl's order, see
//! `sasl::choose_like_curl`), falling back to the next after a cancelled
//! one; else APOP when the greeting has a timestamp; else USER/PASS.
//! `;AUTH=` in the URL or `--login-options AUTH=` picks one (`*` any,
//! `+APOP`); `--sasl-ir` sends the initial response with AUTH;
//! `--oauth2-bearer` logs in with OAUTHBEARER or XOAUTH2 only. `--ssl`
//! upgrades with STLS when offered, `--ssl-reqd` insists (exit 64).

use super::common::{exit, percent_decoded, Login};
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

type Pop3Client = sanswire::io::pop3::Client<tls::Stream<TcpStream>>;

pub fn fetch(args: &Args, url: &Url, started: Instant, pop3s: bool) -> Result<(), Failure> {
    let stream = connect(url, if pop3s { 995 } else { 110 }, args, started)?;
    let stream = match pop3s {
        true => implicit_tls(args, url, stream, &[])?,
        false => tls::Stream::plain(stream),
    };
    let mut pop = Pop3Client::new(stream).map_err(pop3_failure)?;
    pop.driver().machine().inbox().set_read_size(READ_SIZE);
    let log = Pop3Log(args.verbose);
    log.received(pop.greeting());
    let capabilities = capabilities(args, url, &mut pop, &log, pop3s)?;
    let login = Login::from_args(args, url);
    if login.user.is_some() || login.token.is_some() {
        // A refused login ends the session without QUIT, as with curl.
        login.run(&mut pop, &log, capabilities.as_ref(), url)?;
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
    log.sent(&line);
    let status = match pop.raw(op) {
        Ok(status) => status,
        Err(e) => {
            let failure = pop3_failure(e);
            if failure.0 == exit::WEIRD_SERVER_REPLY {
                quit(&mut pop, &log); // curl says QUIT after an -ERR
            }
            return Err(failure);
        }
    };
    log.received(&status);
    let mut sink = Sink::open(args, started)?;
    if has_block {
        while let Some(piece) = pop.read_message().map_err(pop3_failure)? {
            sink.write(&piece)?;
        }
    }
    sink.finish()?;
    quit(&mut pop, &log);
    Ok(())
}

fn quit(pop: &mut Pop3Client, log: &Pop3Log) {
    log.sent("QUIT");
    if let Ok(bye) = pop.quit() {
        log.received(&bye);
    }
}

/// CAPA, and STLS when asked for (`--ssl-reqd`: required; `--ssl`: when
/// offered). curl goes on without capabilities when CAPA is refused.
fn capabilities(
    args: &Args,
    url: &Url,
    pop: &mut Pop3Client,
    log: &Pop3Log,
    pop3s: bool,
) -> Result<Option<Capabilities>, Failure> {
    log.sent("CAPA");
    let unavailable = |e: &sanswire::pop3::Error| {
        matches!(e.kind(), sanswire::pop3::ErrorKind::TlsUnavailable(_))
    };
    if args.ssl_reqd && !pop3s {
        log.sent("STLS");
        pop.driver().machine().set_require_tls(true);
        let connector = tls_connector(args)?;
        let caps = pop
            .starttls(&connector, tls_host(url))
            .map_err(|e| upgrade_failure(e, unavailable))?;
        log_tls(args, pop.driver().stream());
        log.capabilities(Some(&caps));
        return Ok(Some(caps));
    }
    let caps = pop.capa().ok();
    log.capabilities(caps.as_ref());
    if args.ssl && !pop3s && caps.as_ref().is_some_and(|c| c.stls()) {
        log.sent("STLS");
        let connector = tls_connector(args)?;
        let caps = pop
            .starttls(&connector, tls_host(url))
            .map_err(|e| upgrade_failure(e, unavailable))?;
        log_tls(args, pop.driver().stream());
        log.capabilities(Some(&caps));
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
        log: &Pop3Log,
        caps: Option<&Capabilities>,
        url: &Url,
    ) -> Result<(), Failure> {
        let auth = self.auth.as_deref();
        let any = auth.is_none_or_star();
        let apop_only = auth.is_some_and(|a| a.eq_ignore_ascii_case("+APOP"));
        let sasl_only = self.token.is_some() || !(any || apop_only);
        if !apop_only {
            if let Some(result) = self.sasl(pop, log, caps, url) {
                return result;
            }
        }
        if sasl_only {
            return Err(no_mechanism());
        }
        let user = self.user.clone().unwrap_or_default();
        let result = if pop.driver().machine().apop_timestamp().is_some() {
            log.sent(&format!("APOP {user} <digest>"));
            pop.apop(&user, &self.pass)
        } else if !apop_only && caps.is_none_or_offers_user() {
            log.sent(&format!("USER {user}"));
            log.sent("PASS <secret>");
            pop.login(&user, &self.pass)
        } else {
            return Err(no_mechanism());
        };
        result.map(|r| log.received(&r)).map_err(denied)
    }

    /// The SASL exchange, with curl's fallback after a cancelled
    /// mechanism; `None` when no mechanism fits (so the others may run).
    fn sasl(
        &self,
        pop: &mut Pop3Client,
        log: &Pop3Log,
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
            log.sent(&format!("AUTH {name}"));
            let result = pop.auth(self.mechanism(name, &creds, url));
            match result {
                Ok(r) => {
                    log.received(&r);
                    return Some(Ok(()));
                }
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
        self.map_or(true, |c| c.contains(&sanswire::pop3::Capability::User))
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

/// `-v` for POP3: `> ` lines sent, `< ` status lines received, on stderr.
struct Pop3Log(bool);

impl Pop3Log {
    fn sent(&self, line: &str) {
        if self.0 {
            eprintln!("> {line}");
        }
    }

    fn received(&self, response: &sanswire::pop3::Response) {
        if self.0 {
            let line = response.to_line().unwrap_or_default();
            eprint!("< {}", String::from_utf8_lossy(&line));
        }
    }

    fn capabilities(&self, capabilities: Option<&Capabilities>) {
        if !self.0 {
            return;
        }
        let Some(caps) = capabilities else {
            eprintln!("< -ERR");
            return;
        };
        eprintln!("< +OK");
        for cap in caps.iter() {
            let mut out = sanswire::wire::Outbox::new();
            if cap.write_to(&mut out).is_ok() {
                eprint!("< {}", String::from_utf8_lossy(&out.take_vec()));
            }
        }
        eprintln!("< .");
    }
}
