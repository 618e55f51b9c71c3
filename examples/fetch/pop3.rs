//! `fetch pop3[s]://[user:pass@]host[:port]/[N]`: the LIST listing, message
//! N, or `-X CMD`'s answer, as curl prints them.

use super::{
    connect, credentials, implicit_tls, log_tls, tls_connector, tls_host, upgrade_failure, Args,
    Failure, Sink, READ_SIZE,
};
use sanswire::io::tls;
use sanswire::sasl::{Plain, WithoutInitialResponse};
use sanswire::wire::Machine;
use std::net::TcpStream;
use std::time::Instant;
use url::Url;

/// `pop3://host/` prints the LIST listing, `pop3://host/N` message N, and
/// `-X CMD` the body of CMD's answer, as curl does. Login as curl chooses:
/// SASL PLAIN if CAPA offers it, else APOP if the greeting has a
/// timestamp, else USER/PASS.
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
    log.sent("CAPA");
    // curl goes on without capabilities when CAPA is refused.
    let capabilities = if args.ssl_reqd && !pop3s {
        log.sent("STLS");
        pop.driver().machine().set_require_tls(true);
        let unavailable = |e: &sanswire::pop3::Error| {
            matches!(e.kind(), sanswire::pop3::ErrorKind::TlsUnavailable(_))
        };
        let connector = tls_connector(args)?;
        let caps = pop
            .starttls(&connector, tls_host(url))
            .map_err(|e| upgrade_failure(e, unavailable))?;
        log_tls(args, pop.driver().stream());
        Some(caps)
    } else {
        pop.capa().ok()
    };
    log.capabilities(capabilities.as_ref());
    if let Some((user, pass)) = credentials(args, url) {
        pop3_login(&mut pop, &log, capabilities.as_ref(), &user, &pass)?;
    }
    let id = url.path().trim_start_matches('/');
    let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
    let line = match (&args.request, id.is_empty()) {
        (Some(cmd), true) => cmd.clone(),
        (Some(cmd), false) => format!("{cmd} {id}"),
        (None, true) => "LIST".to_string(),
        (None, false) => format!("RETR {id}"),
    };
    let op = sanswire::pop3::ops::Raw::new(&line);
    let has_block = op.has_block();
    log.sent(&line);
    let status = pop.raw(op).map_err(pop3_failure)?;
    log.received(&status);
    let mut sink = Sink::open(args, started)?;
    if has_block {
        while let Some(piece) = pop.read_message().map_err(pop3_failure)? {
            sink.write(&piece)?;
        }
    }
    sink.finish()?;
    log.sent("QUIT");
    if let Ok(bye) = pop.quit() {
        log.received(&bye);
    }
    Ok(())
}

type Pop3Client = sanswire::io::pop3::Client<tls::Stream<TcpStream>>;

fn pop3_login(
    pop: &mut Pop3Client,
    log: &Pop3Log,
    capabilities: Option<&sanswire::pop3::Capabilities>,
    user: &str,
    pass: &str,
) -> Result<(), Failure> {
    let offers_plain = capabilities.is_some_and(|c| c.has_sasl("PLAIN"));
    let result = if offers_plain {
        log.sent("AUTH PLAIN");
        // curl sends no initial response unless given --sasl-ir.
        pop.auth(WithoutInitialResponse(Plain::new(user, pass)))
    } else if pop.driver().machine().apop_timestamp().is_some() {
        log.sent(&format!("APOP {user} <digest>"));
        pop.apop(user, pass)
    } else {
        log.sent(&format!("USER {user}"));
        log.sent("PASS <secret>");
        pop.login(user, pass)
    };
    match result {
        Ok(r) => {
            log.received(&r);
            Ok(())
        }
        Err(e) => Err(Failure(67, format!("Login denied: {}", pop3_failure(e).1))),
    }
}

/// curl's exit codes: 8 for a `-ERR` it did not expect, 67 for a refused
/// login (set by the caller).
fn pop3_failure(e: sanswire::io::SessionError<sanswire::pop3::Pop3>) -> Failure {
    match e {
        sanswire::io::DriveError::Refused(sanswire::pop3::Refusal(r)) => Failure(
            8,
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

    fn capabilities(&self, capabilities: Option<&sanswire::pop3::Capabilities>) {
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
