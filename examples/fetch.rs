//! A curl-like client for every scheme the crate speaks.
//!
//! ```text
//! cargo run --release --example fetch -- [OPTIONS] URL
//! ```
//! For a URL that curl accepts, `fetch` prints the same bytes that `curl URL`
//! prints, so it can stand in for curl in a script. Failures (including an
//! HTTP status of 400 or more, as with curl's `-f`) print one line on stderr
//! and exit non-zero.

use bytes::Bytes;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use sanswire::http::{Request, Response, Version};
use sanswire::io::http::Client as HttpClient;
use sanswire::io::tls::{self, TlsConnector};
use sanswire::sasl::{Plain, WithoutInitialResponse};
use sanswire::wire::Machine;
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use url::Url;

#[path = "fetch/smtp.rs"]
mod smtp;
#[path = "fetch/telnet.rs"]
mod telnet;

/// How much of an upload goes into one write.
const UPLOAD_CHUNK: usize = 256 * 1024;
/// The receive buffer's read size: bulk downloads want few, large reads.
const READ_SIZE: usize = 1024 * 1024;

#[derive(Parser, Debug)]
#[command(about = "Fetch a URL, like curl", version)]
struct Args {
    /// The URL (http[s]://host[:port]/path, smtp[s]://host[:port][/helo-domain],
    /// pop3[s]://[user:pass@]host[:port]/[N], telnet://host[:port]).
    url: String,
    /// Write the resource to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Upload FILE (`-` for stdin); for http, a PUT.
    #[arg(short = 'T', long = "upload-file", value_name = "FILE")]
    upload: Option<String>,
    /// Credentials, USER:PASS.
    #[arg(short = 'u', long = "user", value_name = "USER:PASS")]
    user: Option<String>,
    /// A custom request (for http, the method; for pop3, the command).
    #[arg(short = 'X', long = "request", value_name = "COMMAND")]
    request: Option<String>,
    /// An extra header, `Name: value` (http; repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// A body to POST (http); `@FILE` reads it from FILE.
    #[arg(short = 'd', long = "data", value_name = "DATA")]
    data: Option<String>,
    /// Show the conversation on stderr.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
    /// Give up after SECS seconds.
    #[arg(short = 'm', long = "max-time", value_name = "SECS")]
    max_time: Option<f64>,
    /// Accepted for curl compatibility: fetch shows no meter unless stderr is a terminal.
    #[arg(short = 's', long = "silent")]
    silent: bool,
    /// Accepted for curl compatibility: fetch always fails on HTTP errors.
    #[arg(short = 'f', long = "fail")]
    fail: bool,
    /// Verify servers against the CA certificates in this PEM file only.
    #[arg(long = "cacert", value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Skip certificate verification (encrypted, NOT authenticated).
    #[arg(short = 'k', long = "insecure")]
    insecure: bool,
    /// Require TLS: for smtp and pop3, upgrade with STARTTLS/STLS and fail
    /// (exit 64) if the server does not offer it. https, smtps and pop3s
    /// are always TLS.
    #[arg(long = "ssl-reqd")]
    ssl_reqd: bool,
    /// smtp: the sender (reverse-path); empty (`<>`) if not given.
    #[arg(long = "mail-from", value_name = "ADDR")]
    mail_from: Option<String>,
    /// smtp: a recipient (repeatable).
    #[arg(long = "mail-rcpt", value_name = "ADDR")]
    mail_rcpt: Vec<String>,
    /// telnet: an option, `TTYPE=xterm` or `NAWS=80x24` (repeatable).
    #[arg(short = 't', long = "telnet-option", value_name = "OPT=VAL")]
    telnet_options: Vec<String>,
}

/// A failure: the message and curl's exit code for it.
struct Failure(i32, String);

impl<E: std::fmt::Display, R: std::fmt::Display> From<sanswire::io::DriveError<E, R>> for Failure {
    fn from(e: sanswire::io::DriveError<E, R>) -> Self {
        match e {
            sanswire::io::DriveError::Io(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                Failure(28, "Operation timed out".into())
            }
            sanswire::io::DriveError::UnexpectedEof => {
                Failure(52, "Empty reply or connection closed early".into())
            }
            other => Failure(56, other.to_string()),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure(23, e.to_string())
    }
}

fn main() {
    let args = Args::parse();
    let started = Instant::now();
    if let Err(Failure(code, message)) = run(&args, started) {
        eprintln!("fetch: ({code}) {message}");
        std::process::exit(code);
    }
}

fn run(args: &Args, started: Instant) -> Result<(), Failure> {
    let url = Url::parse(&args.url).map_err(|e| Failure(3, format!("URL rejected: {e}")))?;
    match url.scheme() {
        "http" => fetch_http(args, &url, started, false),
        "https" => fetch_http(args, &url, started, true),
        "smtp" => smtp::send(args, &url, started, false),
        "smtps" => smtp::send(args, &url, started, true),
        "pop3" => fetch_pop3(args, &url, started, false),
        "pop3s" => fetch_pop3(args, &url, started, true),
        "telnet" => telnet::session(args, &url, started),
        other => Err(Failure(1, format!("Protocol \"{other}\" not supported"))),
    }
}

/// Where the fetched resource goes, with a progress bar for long transfers.
struct Sink {
    out: Box<dyn Write>,
    /// When `-m` runs out: the transfer fails with curl's code 28.
    deadline: Option<Instant>,
    bar: Option<ProgressBar>,
    started: Instant,
    total: Option<u64>,
    done: u64,
}

impl Sink {
    fn open(args: &Args, started: Instant) -> Result<Sink, Failure> {
        let out: Box<dyn Write> = match &args.output {
            Some(path) => Box::new(
                File::create(path).map_err(|e| Failure(23, format!("{}: {e}", path.display())))?,
            ),
            // Stdout is line-buffered, which would scan every chunk of a
            // binary download for newlines: write to its descriptor directly.
            None => Box::new(raw_stdout()?),
        };
        Ok(Sink {
            out,
            deadline: args
                .max_time
                .map(|secs| started + Duration::from_secs_f64(secs)),
            bar: None,
            started,
            total: None,
            done: 0,
        })
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Failure> {
        self.out
            .write_all(data)
            .map_err(|e| Failure(23, format!("write failed: {e}")))?;
        self.done += data.len() as u64;
        self.tick();
        match self.deadline {
            Some(d) if Instant::now() > d => Err(Failure(
                28,
                format!("Operation timed out after {} bytes", self.done),
            )),
            _ => Ok(()),
        }
    }

    /// Shows a bar once a transfer has run for a second, on a terminal only.
    fn tick(&mut self) {
        if self.bar.is_none()
            && self.started.elapsed() > Duration::from_secs(1)
            && std::io::stderr().is_terminal()
        {
            let bar = match self.total {
                Some(n) => ProgressBar::new(n),
                None => ProgressBar::new_spinner(),
            };
            bar.set_style(
                ProgressStyle::with_template(
                    "{bytes}/{total_bytes} {bytes_per_sec} {wide_bar} {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
        }
    }

    fn finish(mut self) -> Result<(), Failure> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        self.out
            .flush()
            .map_err(|e| Failure(23, format!("write failed: {e}")))
    }
}

/// Standard output as an unbuffered file on a duplicate of its descriptor.
fn raw_stdout() -> Result<File, Failure> {
    use std::os::fd::AsFd;
    let fd = std::io::stdout().as_fd().try_clone_to_owned()?;
    Ok(File::from(fd))
}

fn connect(
    url: &Url,
    default_port: u16,
    args: &Args,
    started: Instant,
) -> Result<TcpStream, Failure> {
    let host = url
        .host_str()
        .ok_or_else(|| Failure(3, "URL has no host".into()))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port().unwrap_or(default_port);
    if args.verbose {
        eprintln!("*   Trying {host}:{port}...");
    }
    let stream = TcpStream::connect((host, port))
        .map_err(|e| Failure(7, format!("Failed to connect to {host} port {port}: {e}")))?;
    stream.set_nodelay(true)?;
    if let Some(secs) = args.max_time {
        let left = Duration::from_secs_f64(secs)
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(1));
        stream.set_read_timeout(Some(left))?;
        stream.set_write_timeout(Some(left))?;
    }
    if args.verbose {
        eprintln!("* Connected to {host} port {port}");
    }
    Ok(stream)
}

/// `USER:PASS` from `-u`, else from the URL.
fn credentials(args: &Args, url: &Url) -> Option<(String, String)> {
    if let Some(u) = &args.user {
        let (user, pass) = u.split_once(':').unwrap_or((u, ""));
        return Some((user.to_string(), pass.to_string()));
    }
    if url.username().is_empty() {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((decode(url.username()), decode(url.password().unwrap_or(""))))
}

/// What an upload reads from.
enum Upload {
    File(File, u64),
    Stdin,
}

fn open_upload(name: &str) -> Result<Upload, Failure> {
    if name == "-" {
        return Ok(Upload::Stdin);
    }
    let file = File::open(name).map_err(|e| {
        Failure(
            26,
            format!("Failed to open/read local data from file/application: {name}: {e}"),
        )
    })?;
    let len = file.metadata()?.len();
    Ok(Upload::File(file, len))
}

/// The TLS client configuration the options ask for.
fn tls_connector(args: &Args) -> Result<TlsConnector, Failure> {
    let connector = if args.insecure {
        TlsConnector::dangerous_accept_any_certificate()
    } else if let Some(path) = &args.cacert {
        TlsConnector::with_ca_file(path).map_err(|e| Failure(77, e.to_string()))?
    } else {
        TlsConnector::new()
    };
    Ok(connector)
}

/// curl's exit code for a failed handshake: 60 when the certificate did
/// not verify, 35 for any other TLS failure.
fn tls_failure(e: std::io::Error) -> Failure {
    let cert = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<tls::rustls::Error>())
        .is_some_and(|e| matches!(e, tls::rustls::Error::InvalidCertificate(_)));
    if cert {
        Failure(60, format!("SSL certificate problem: {e}"))
    } else {
        Failure(35, format!("TLS connect error: {e}"))
    }
}

/// Connects, and for https runs the TLS handshake.
fn open(
    args: &Args,
    url: &Url,
    started: Instant,
    https: bool,
) -> Result<tls::Stream<TcpStream>, Failure> {
    let stream = connect(url, if https { 443 } else { 80 }, args, started)?;
    if !https {
        return Ok(tls::Stream::plain(stream));
    }
    implicit_tls(args, url, stream, &[b"http/1.1"])
}

/// The URL's host, as TLS verifies it.
fn tls_host(url: &Url) -> &str {
    url.host_str().unwrap_or_default()
}

/// TLS from the first byte (https, smtps, pop3s) over `stream`.
fn implicit_tls<S: Read + Write>(
    args: &Args,
    url: &Url,
    stream: S,
    alpn: &[&[u8]],
) -> Result<tls::Stream<S>, Failure> {
    let connector = tls_connector(args)?.with_alpn(alpn);
    let stream = tls::Stream::connect(stream, &connector, tls_host(url)).map_err(tls_failure)?;
    log_tls(args, &stream);
    Ok(stream)
}

/// `-v`: the TLS version and cipher suite.
fn log_tls<S: Read + Write>(args: &Args, stream: &tls::Stream<S>) {
    if let (true, Some(conn)) = (args.verbose, stream.client_connection()) {
        eprintln!(
            "* TLS connection using {:?} / {:?}",
            conn.protocol_version(),
            conn.negotiated_cipher_suite().map(|s| s.suite())
        );
    }
}

/// curl's exit codes for a failed STARTTLS/STLS: 64 when TLS was required
/// and the server does not offer it or refused it, 60/35 for a failed
/// handshake.
fn upgrade_failure<E, R>(
    e: sanswire::io::DriveError<E, R>,
    unavailable: impl Fn(&E) -> bool,
) -> Failure
where
    E: std::fmt::Display,
    R: std::fmt::Display,
{
    match e {
        sanswire::io::DriveError::Protocol(e) if unavailable(&e) => {
            Failure(64, format!("Requested SSL level failed: {e}"))
        }
        sanswire::io::DriveError::Io(e) => tls_failure(e),
        other => Failure::from(other),
    }
}

fn fetch_http(args: &Args, url: &Url, started: Instant, https: bool) -> Result<(), Failure> {
    let stream = open(args, url, started, https)?;
    let mut client = HttpClient::new(stream);
    client.driver().machine().inbox().set_read_size(READ_SIZE);

    let (request, body) = http_request(args, url)?;
    log_request(args, &request);
    client.send_head(&request)?;
    match body {
        HttpBody::None => {}
        HttpBody::Bytes(b) => client.send_body(b)?,
        HttpBody::Upload(mut upload) => {
            let mut buf = vec![0u8; UPLOAD_CHUNK];
            loop {
                let n = match &mut upload {
                    Upload::File(f, _) => f.read(&mut buf)?,
                    Upload::Stdin => std::io::stdin().read(&mut buf)?,
                };
                if n == 0 {
                    break;
                }
                client.send_body(Bytes::copy_from_slice(&buf[..n]))?;
            }
        }
    }
    client.finish()?;

    let response = client.response()?;
    log_response(args, &response);
    if response.status() >= 400 {
        return Err(Failure(
            22,
            format!("The requested URL returned error: {}", response.status()),
        ));
    }
    let mut sink = Sink::open(args, started)?;
    sink.total = response
        .headers()
        .get("content-length")
        .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse().ok());
    while let Some(chunk) = client.read_body()? {
        sink.write(&chunk)?;
    }
    sink.finish()
}

enum HttpBody {
    None,
    Bytes(Bytes),
    Upload(Upload),
}

/// The request curl would send for these options.
fn http_request(args: &Args, url: &Url) -> Result<(Request, HttpBody), Failure> {
    let mut target = url.path().to_string();
    let mut body = HttpBody::None;
    let mut method = "GET";
    let mut framing: Option<(&str, String)> = None;
    let mut content_type = None;
    if let Some(name) = &args.upload {
        method = "PUT";
        if target.ends_with('/') && name != "-" {
            let file_name = std::path::Path::new(name)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            target.push_str(
                &percent_encoding::utf8_percent_encode(
                    &file_name,
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string(),
            );
        }
        let upload = open_upload(name)?;
        framing = Some(match &upload {
            Upload::File(_, len) => ("Content-Length", len.to_string()),
            Upload::Stdin => ("Transfer-Encoding", "chunked".to_string()),
        });
        body = HttpBody::Upload(upload);
    } else if let Some(data) = &args.data {
        method = "POST";
        let bytes = match data.strip_prefix('@') {
            // curl -d @file drops CR and LF from the file.
            Some(path) => std::fs::read(path)
                .map_err(|e| Failure(26, format!("{path}: {e}")))?
                .into_iter()
                .filter(|b| *b != b'\r' && *b != b'\n')
                .collect(),
            None => data.as_bytes().to_vec(),
        };
        framing = Some(("Content-Length", bytes.len().to_string()));
        content_type = Some("application/x-www-form-urlencoded");
        body = HttpBody::Bytes(Bytes::from(bytes));
    }
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let method = args.request.as_deref().unwrap_or(method);
    let mut host = url.host_str().unwrap_or("").to_string();
    if let Some(port) = url.port() {
        host = format!("{host}:{port}");
    }
    let mut headers: Vec<(String, String)> = vec![
        ("Host".into(), host),
        (
            "User-Agent".into(),
            concat!("sanswire-fetch/", env!("CARGO_PKG_VERSION")).into(),
        ),
        ("Accept".into(), "*/*".into()),
    ];
    if let Some((user, pass)) = credentials(args, url) {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        headers.push(("Authorization".into(), format!("Basic {token}")));
    }
    if let Some((name, value)) = framing {
        headers.push((name.into(), value));
    }
    if let Some(ct) = content_type {
        headers.push(("Content-Type".into(), ct.into()));
    }
    for h in &args.headers {
        apply_header(&mut headers, h)?;
    }
    let mut request = Request::new(method.to_string(), target).with_version(Version::Http11);
    for (name, value) in headers {
        request = request.with_header(name, value);
    }
    Ok((request, body))
}

/// `-H 'Name: value'` replaces a default header of that name; `-H 'Name:'`
/// removes it; `-H 'Name;'` sends it empty (curl's rules).
fn apply_header(headers: &mut Vec<(String, String)>, h: &str) -> Result<(), Failure> {
    if let Some(name) = h.strip_suffix(';') {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        headers.push((name.to_string(), String::new()));
        return Ok(());
    }
    let (name, value) = h
        .split_once(':')
        .ok_or_else(|| Failure(2, format!("bad header {h:?}")))?;
    let value = value.trim();
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    if !value.is_empty() {
        headers.push((name.to_string(), value.to_string()));
    }
    Ok(())
}

fn log_request(args: &Args, request: &Request) {
    if !args.verbose {
        return;
    }
    let version = match request.version() {
        Version::Http10 => "HTTP/1.0",
        Version::Http11 => "HTTP/1.1",
    };
    eprintln!(
        "> {} {} {version}",
        String::from_utf8_lossy(request.method()),
        String::from_utf8_lossy(request.target())
    );
    for (name, value) in request.headers().iter() {
        eprintln!(
            "> {}: {}",
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(value)
        );
    }
    eprintln!(">");
}

fn log_response(args: &Args, response: &Response) {
    if !args.verbose {
        return;
    }
    let version = match response.version() {
        Version::Http10 => "HTTP/1.0",
        Version::Http11 => "HTTP/1.1",
    };
    eprintln!(
        "< {version} {} {}",
        response.status(),
        String::from_utf8_lossy(response.reason())
    );
    for (name, value) in response.headers().iter() {
        eprintln!(
            "< {}: {}",
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(value)
        );
    }
    eprintln!("<");
}

/// `pop3://host/` prints the LIST listing, `pop3://host/N` message N, and
/// `-X CMD` the body of CMD's answer, as curl does. Login as curl chooses:
/// SASL PLAIN if CAPA offers it, else APOP if the greeting has a
/// timestamp, else USER/PASS.
fn fetch_pop3(args: &Args, url: &Url, started: Instant, pop3s: bool) -> Result<(), Failure> {
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
        let unavailable =
            |e: &sanswire::pop3::Error| matches!(e, sanswire::pop3::Error::TlsUnavailable(_));
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
