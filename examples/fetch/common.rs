//! What every scheme of `fetch` shares: curl's exit codes, the failure
//! type, `-s`/`-S`/`-v` output, connecting (`--connect-timeout`, `-m`),
//! TLS, the output writer (`-o`, `--limit-rate`, the progress bar) and
//! `-w`.

// Pieces for the schemes that other branches bring are not all used by
// the three here.
#![allow(dead_code)]

use super::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sanswire::io::tls::{self, TlsConnector};
use sanswire::sasl::{self, Credentials, DeferredInitialResponse, Mechanism};
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};
use url::Url;

/// curl's exit codes (`man curl`, EXIT CODES), the ones fetch gives.
pub mod exit {
    /// Unsupported protocol.
    pub const UNSUPPORTED_PROTOCOL: i32 = 1;
    /// A bad option or argument.
    pub const BAD_USAGE: i32 = 2;
    /// Malformed URL.
    pub const URL_MALFORMAT: i32 = 3;
    /// Could not resolve the proxy.
    pub const COULDNT_RESOLVE_PROXY: i32 = 5;
    /// Could not resolve the host.
    pub const COULDNT_RESOLVE_HOST: i32 = 6;
    /// Failed to connect.
    pub const COULDNT_CONNECT: i32 = 7;
    /// A server reply fetch could not use.
    pub const WEIRD_SERVER_REPLY: i32 = 8;
    /// The connection closed in the middle of the body.
    pub const PARTIAL_FILE: i32 = 18;
    /// HTTP status of 400 or more with `-f`.
    pub const HTTP_RETURNED_ERROR: i32 = 22;
    /// Writing the output failed.
    pub const WRITE_ERROR: i32 = 23;
    /// Reading a local file failed.
    pub const READ_ERROR: i32 = 26;
    /// Timed out (`-m`, `--connect-timeout`).
    pub const OPERATION_TIMEDOUT: i32 = 28;
    /// The server does not do byte ranges (`-C`).
    pub const RANGE_ERROR: i32 = 33;
    /// TLS handshake failed.
    pub const SSL_CONNECT_ERROR: i32 = 35;
    /// Too many redirects (`--max-redirs`).
    pub const TOO_MANY_REDIRECTS: i32 = 47;
    /// Nothing came back.
    pub const GOT_NOTHING: i32 = 52;
    /// A refused sender or recipient (SMTP).
    pub const SEND_ERROR: i32 = 55;
    /// Receiving failed.
    pub const RECV_ERROR: i32 = 56;
    /// The certificate did not verify.
    pub const PEER_FAILED_VERIFICATION: i32 = 60;
    /// Bad content encoding (`--compressed`).
    pub const BAD_CONTENT_ENCODING: i32 = 61;
    /// TLS was required and is not there.
    pub const USE_SSL_FAILED: i32 = 64;
    /// Login refused.
    pub const LOGIN_DENIED: i32 = 67;
    /// A CA file that could not be read.
    pub const SSL_CACERT_BADFILE: i32 = 77;
}

/// A failure: curl's exit code for it and the message.
#[derive(Debug)]
pub struct Failure(pub i32, pub String);

impl<E, R> From<sanswire::io::DriveError<E, R>> for Failure
where
    E: std::fmt::Display + sanswire::wire::ProtocolError,
    R: std::fmt::Display,
{
    fn from(e: sanswire::io::DriveError<E, R>) -> Self {
        match e {
            sanswire::io::DriveError::Io(e) => Failure::from(e),
            // The machine's timer ran out (`-m` on it, or its silence
            // timeout): curl's 28.
            sanswire::io::DriveError::Protocol(e)
                if e.common() == Some(sanswire::wire::CommonError::TimedOut) =>
            {
                Failure(
                    exit::OPERATION_TIMEDOUT,
                    format!("Operation timed out: {e}"),
                )
            }
            sanswire::io::DriveError::UnexpectedEof => Failure(
                exit::GOT_NOTHING,
                "Empty reply or connection closed early".into(),
            ),
            other => Failure(exit::RECV_ERROR, other.to_string()),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                Failure(exit::OPERATION_TIMEDOUT, "Operation timed out".into())
            }
            _ => Failure(
                exit::RECV_ERROR,
                format!("Failure when receiving data: {e}"),
            ),
        }
    }
}

/// What `-s`, `-S` and `-v` ask to be shown on stderr.
#[derive(Debug, Clone, Copy)]
pub struct Show {
    /// `-v`: `* ` information, `> ` sent and `< ` received lines.
    pub verbose: bool,
    /// Error messages: off with `-s` unless `-S`.
    pub errors: bool,
    /// The progress bar: off with `-s`.
    pub progress: bool,
}

impl Show {
    /// From the options.
    pub fn new(args: &Args) -> Show {
        Show {
            verbose: args.verbose,
            errors: !args.silent || args.show_error,
            progress: !args.silent,
        }
    }

    /// `* message` with `-v`.
    pub fn info(&self, message: &str) {
        if self.verbose {
            eprintln!("* {message}");
        }
    }

    /// `> line` with `-v`, for a line sent.
    pub fn sent(&self, line: &str) {
        if self.verbose {
            eprintln!("> {}", line.trim_end_matches(['\r', '\n']));
        }
    }

    /// `< line` with `-v`, for a line received.
    pub fn received(&self, line: &str) {
        if self.verbose {
            eprintln!("< {}", line.trim_end_matches(['\r', '\n']));
        }
    }

    /// `{ [N bytes data]` with `-v`, for payload received.
    pub fn data_in(&self, n: usize) {
        if self.verbose {
            eprintln!("{{ [{n} bytes data]");
        }
    }

    /// `} [N bytes data]` with `-v`, for payload sent.
    pub fn data_out(&self, n: usize) {
        if self.verbose {
            eprintln!("}} [{n} bytes data]");
        }
    }

    /// The error line, as curl words it (`curl: (N) message`), unless `-s`.
    pub fn error(&self, failure: &Failure) {
        if self.errors {
            eprintln!("fetch: ({}) {}", failure.0, failure.1);
        }
    }
}

/// A rate limit from `--limit-rate`: `100`, `10K`, `1M`, `2G` bytes per
/// second.
pub fn parse_rate(s: &str) -> Result<u64, Failure> {
    let (digits, unit) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => s.split_at(i),
        None => (s, ""),
    };
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return Err(Failure(exit::BAD_USAGE, format!("unsupported rate {s:?}"))),
    };
    let n: f64 = digits
        .parse()
        .map_err(|_| Failure(exit::BAD_USAGE, format!("bad rate {s:?}")))?;
    Ok((n * scale as f64) as u64)
}

/// Where the fetched resource goes: stdout or a file, at most at
/// `--limit-rate`, with a progress bar for transfers over a second on a
/// terminal, failing with 28 once `-m` runs out.
pub struct Sink {
    out: Box<dyn Write>,
    deadline: Option<Instant>,
    bar: Option<ProgressBar>,
    progress: bool,
    started: Instant,
    rate: Option<u64>,
    /// The expected size, for the bar.
    pub total: Option<u64>,
    /// Bytes written so far.
    pub done: u64,
}

impl Sink {
    /// Opens the output `-o` names (stdout without it).
    pub fn open(args: &Args, started: Instant) -> Result<Sink, Failure> {
        let out: Box<dyn Write> = match &args.output {
            Some(path) => Box::new(create_output(path, false)?),
            None => Box::new(raw_stdout()?),
        };
        Sink::to(out, args, started)
    }

    /// A sink writing to `out`.
    pub fn to(out: Box<dyn Write>, args: &Args, started: Instant) -> Result<Sink, Failure> {
        Ok(Sink {
            out,
            deadline: args
                .max_time
                .map(|secs| started + Duration::from_secs_f64(secs)),
            bar: None,
            progress: !args.silent,
            started,
            rate: args.limit_rate.as_deref().map(parse_rate).transpose()?,
            total: None,
            done: 0,
        })
    }

    /// Writes a piece of the resource.
    pub fn write(&mut self, data: &[u8]) -> Result<(), Failure> {
        self.out
            .write_all(data)
            .map_err(|e| Failure(exit::WRITE_ERROR, format!("Failure writing output: {e}")))?;
        self.done += data.len() as u64;
        self.throttle();
        self.tick();
        match self.deadline {
            Some(d) if Instant::now() > d => Err(Failure(
                exit::OPERATION_TIMEDOUT,
                format!(
                    "Operation timed out after {} milliseconds with {} bytes received",
                    self.started.elapsed().as_millis(),
                    self.done
                ),
            )),
            _ => Ok(()),
        }
    }

    /// `--limit-rate`: sleeps until the average is back under the rate.
    fn throttle(&self) {
        if let Some(rate) = self.rate.filter(|r| *r > 0) {
            let due = Duration::from_secs_f64(self.done as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(self.started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }

    /// Shows a bar once a transfer has run for a second, on a terminal only.
    fn tick(&mut self) {
        if self.bar.is_none()
            && self.progress
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

    /// Flushes, and takes the bar away.
    pub fn finish(mut self) -> Result<(), Failure> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        self.out
            .flush()
            .map_err(|e| Failure(exit::WRITE_ERROR, format!("Failure writing output: {e}")))
    }
}

/// Creates (or, to resume, appends to) an output file.
pub fn create_output(path: &std::path::Path, append: bool) -> Result<File, Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true);
    if append {
        options.append(true);
    } else {
        options.truncate(true);
    }
    options.open(path).map_err(|e| {
        Failure(
            exit::WRITE_ERROR,
            format!("Failed to open the file {}: {e}", path.display()),
        )
    })
}

/// Standard output as an unbuffered file on a duplicate of its descriptor:
/// stdout is line-buffered, which would scan every chunk of a binary
/// download for newlines.
pub fn raw_stdout() -> Result<File, Failure> {
    use std::os::fd::AsFd;
    let fd = std::io::stdout().as_fd().try_clone_to_owned()?;
    Ok(File::from(fd))
}

/// The time left before `-m` runs out, at least a millisecond.
pub fn time_left(args: &Args, started: Instant) -> Option<Duration> {
    args.max_time.map(|secs| {
        Duration::from_secs_f64(secs)
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(1))
    })
}

/// Puts `-m` on the machine's own timer, so that its silence timeout
/// cannot outlast it: the driver made next counts from its creation, and
/// takes the deadline as its time limit.
pub fn time_limit<M: sanswire::wire::Machine>(machine: &mut M, args: &Args, started: Instant) {
    let at = time_left(args, started).map(|left| sanswire::wire::Instant::ZERO + left);
    machine.conn_mut().set_deadline(at);
}

/// [`time_limit`] for the opening exchange of a protocol with a greeting:
/// curl counts waiting for it as connecting, so `--connect-timeout`
/// bounds it too. Once greeted, [`greeted`] puts `-m` alone back.
pub fn connect_limit<M: sanswire::wire::Machine>(machine: &mut M, args: &Args, started: Instant) {
    let connect = args.connect_timeout.map(|secs| {
        Duration::from_secs_f64(secs)
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(1))
    });
    let left = match (connect, time_left(args, started)) {
        (Some(c), Some(m)) => Some(c.min(m)),
        (c, m) => c.or(m),
    };
    let at = left.map(|left| sanswire::wire::Instant::ZERO + left);
    machine.conn_mut().set_deadline(at);
}

/// The greeting came: from now on only `-m` bounds the session.
pub fn greeted<S: sanswire::io::Socket, M: sanswire::wire::Machine>(
    driver: &mut sanswire::io::Driver<S, M>,
    args: &Args,
    started: Instant,
) {
    driver.set_time_limit(time_left(args, started));
}

/// Connects to the URL's host (`default_port` when it names none).
pub fn connect(
    url: &Url,
    default_port: u16,
    args: &Args,
    started: Instant,
) -> Result<TcpStream, Failure> {
    let host = url
        .host_str()
        .ok_or_else(|| Failure(exit::URL_MALFORMAT, "URL has no host".into()))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    connect_to(host, url.port().unwrap_or(default_port), args, started)
}

/// Connects to `host:port` within `--connect-timeout` (and `-m`).
pub fn connect_to(
    host: &str,
    port: u16,
    args: &Args,
    started: Instant,
) -> Result<TcpStream, Failure> {
    let show = Show::new(args);
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|_| {
            Failure(
                exit::COULDNT_RESOLVE_HOST,
                format!("Could not resolve host: {host}"),
            )
        })?
        .collect();
    let limit = match (args.connect_timeout, time_left(args, started)) {
        (Some(c), Some(m)) => Some(Duration::from_secs_f64(c).min(m)),
        (Some(c), None) => Some(Duration::from_secs_f64(c)),
        (None, m) => m,
    };
    let mut last = None;
    for addr in &addrs {
        show.info(&format!("  Trying {addr}..."));
        let attempt = match limit {
            Some(t) => TcpStream::connect_timeout(addr, t),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => {
                show.info(&format!(
                    "Connected to {host} ({}) port {port} (#0)",
                    addr.ip()
                ));
                stream.set_nodelay(true)?;
                if let Some(left) = time_left(args, started) {
                    stream.set_read_timeout(Some(left))?;
                    stream.set_write_timeout(Some(left))?;
                }
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if e.kind() == std::io::ErrorKind::TimedOut => Failure(
            exit::OPERATION_TIMEDOUT,
            format!(
                "Connection timed out after {} milliseconds",
                started.elapsed().as_millis()
            ),
        ),
        e => Failure(
            exit::COULDNT_CONNECT,
            format!(
                "Failed to connect to {host} port {port}: {}",
                e.map(|e| e.to_string()).unwrap_or_default()
            ),
        ),
    })
}

/// `USER:PASS` from `-u`, else from the URL.
pub fn credentials(args: &Args, url: &Url) -> Option<(String, String)> {
    if let Some(u) = &args.user {
        let (user, pass) = u.split_once(':').unwrap_or((u, ""));
        return Some((user.to_string(), pass.to_string()));
    }
    if url.username().is_empty() {
        return None;
    }
    Some((
        percent_decoded(url.username()),
        percent_decoded(url.password().unwrap_or("")),
    ))
}

/// A URL component with its %XX escapes decoded.
pub fn percent_decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// What an upload reads from.
pub enum Upload {
    /// A file and its length.
    File(File, u64),
    /// Standard input, length unknown.
    Stdin,
}

/// Opens `-T FILE` (`-` for stdin).
pub fn open_upload(name: &str) -> Result<Upload, Failure> {
    if name == "-" {
        return Ok(Upload::Stdin);
    }
    let file = File::open(name).map_err(|e| {
        Failure(
            exit::READ_ERROR,
            format!("Failed to open/read local data from file/application: {name}: {e}"),
        )
    })?;
    let len = file.metadata()?.len();
    Ok(Upload::File(file, len))
}

/// Reads a whole local file (`-` for stdin), failing with curl's 26.
pub fn read_local(name: &str) -> Result<Vec<u8>, Failure> {
    let mut data = Vec::new();
    let result = if name == "-" {
        std::io::stdin().read_to_end(&mut data).map(|_| ())
    } else {
        File::open(name).and_then(|mut f| f.read_to_end(&mut data).map(|_| ()))
    };
    result.map_err(|e| {
        Failure(
            exit::READ_ERROR,
            format!("Failed to open/read local data from file/application: {name}: {e}"),
        )
    })?;
    Ok(data)
}

/// The TLS client configuration the options ask for.
pub fn tls_connector(args: &Args) -> Result<TlsConnector, Failure> {
    let connector = if args.insecure {
        TlsConnector::dangerous_accept_any_certificate()
    } else if let Some(path) = &args.cacert {
        TlsConnector::with_ca_file(path)
            .map_err(|e| Failure(exit::SSL_CACERT_BADFILE, e.to_string()))?
    } else {
        TlsConnector::new()
    };
    Ok(connector)
}

/// curl's exit code for a failed handshake: 60 when the certificate did
/// not verify, 35 for any other TLS failure.
pub fn tls_failure(e: std::io::Error) -> Failure {
    let cert = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<tls::rustls::Error>())
        .is_some_and(|e| matches!(e, tls::rustls::Error::InvalidCertificate(_)));
    if cert {
        Failure(
            exit::PEER_FAILED_VERIFICATION,
            format!("SSL certificate problem: {e}"),
        )
    } else {
        Failure(exit::SSL_CONNECT_ERROR, format!("TLS connect error: {e}"))
    }
}

/// The URL's host, as TLS verifies it.
pub fn tls_host(url: &Url) -> &str {
    url.host_str().unwrap_or_default()
}

/// TLS from the first byte (https, smtps, pop3s) over `stream`.
pub fn implicit_tls<S: Read + Write>(
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
pub fn log_tls<S: Read + Write>(args: &Args, stream: &tls::Stream<S>) {
    if let (true, Some(conn)) = (args.verbose, stream.client_connection()) {
        eprintln!(
            "* SSL connection using {:?} / {:?}",
            conn.protocol_version(),
            conn.negotiated_cipher_suite().map(|s| s.suite())
        );
    }
}

/// curl's exit codes for a failed STARTTLS/STLS: 64 when TLS was required
/// and the server does not offer it or refused it, 60/35 for a failed
/// handshake.
pub fn upgrade_failure<E, R>(
    e: sanswire::io::DriveError<E, R>,
    unavailable: impl Fn(&E) -> bool,
) -> Failure
where
    E: std::fmt::Display + sanswire::wire::ProtocolError,
    R: std::fmt::Display,
{
    match e {
        sanswire::io::DriveError::Protocol(e) if unavailable(&e) => Failure(
            exit::USE_SSL_FAILED,
            format!("Requested SSL level failed: {e}"),
        ),
        sanswire::io::DriveError::Io(e) => tls_failure(e),
        other => Failure::from(other),
    }
}

/// Who logs in and how, from `-u`, the URL, `--login-options` and
/// `--oauth2-bearer`.
pub struct Login {
    pub user: Option<String>,
    pub pass: String,
    pub token: Option<String>,
    /// `AUTH=` from the URL's user (`user;AUTH=X`) or `--login-options`.
    pub auth: Option<String>,
    pub sasl_ir: bool,
}

impl Login {
    pub fn from_args(args: &Args, url: &Url) -> Login {
        let (user, pass) = match credentials(args, url) {
            Some((u, p)) => (Some(u), p),
            None => (None, String::new()),
        };
        // curl's `user;AUTH=MECH` in the URL (which counts even when -u
        // gives the user; in -u itself, `;` is part of the name).
        let url_user = percent_decoded(url.username());
        let mut auth = url_user.split_once(';').and_then(|(_, o)| auth_option(o));
        let user = match (&args.user, user) {
            (None, Some(u)) => u.split_once(';').map(|(n, _)| n.to_string()).or(Some(u)),
            (_, user) => user,
        };
        if let Some(options) = &args.login_options {
            auth = auth_option(options).or(auth);
        }
        Login {
            user,
            pass,
            token: args.oauth2_bearer.clone(),
            auth,
            sasl_ir: args.sasl_ir,
        }
    }

    pub fn credentials(&self) -> Credentials {
        let user = self.user.clone().unwrap_or_default();
        match &self.token {
            Some(t) => Credentials::oauth2(user, t.clone()),
            None => Credentials::new(user, self.pass.clone()),
        }
    }

    /// The named mechanism, without its initial response unless `--sasl-ir`.
    pub fn mechanism(
        &self,
        name: &str,
        creds: &Credentials,
        url: &Url,
    ) -> Box<dyn Mechanism + Send> {
        let user = creds.user.clone();
        let token = creds.token.clone().unwrap_or_default();
        let mechanism: Box<dyn Mechanism + Send> = match name {
            "EXTERNAL" => Box::new(sasl::External::new(user)),
            "OAUTHBEARER" => Box::new(sasl::OAuthBearer::new(
                user,
                token,
                url.host_str().unwrap_or_default(),
                url.port_or_known_default().unwrap_or_default(),
            )),
            "XOAUTH2" => Box::new(sasl::XOAuth2::new(user, token)),
            other => sasl::mechanism_for(other, creds)
                .unwrap_or_else(|| Box::new(sasl::Plain::new(user, creds.pass.clone()))),
        };
        match self.sasl_ir {
            true => mechanism,
            false => Box::new(DeferredInitialResponse::new(mechanism)),
        }
    }
}

/// `AUTH=X` from curl's login options (`;`-separated).
fn auth_option(options: &str) -> Option<String> {
    options.split(';').find_map(|o| {
        let (k, v) = o.split_once('=')?;
        k.eq_ignore_ascii_case("AUTH").then(|| v.to_string())
    })
}

/// A tracing stream over the TLS layer (so `-v` shows the conversation
/// in the clear, after STARTTLS too): where that layer is.
pub trait OverTls {
    /// The TLS stream under the trace.
    fn tls(&mut self) -> &mut tls::Stream<TcpStream>;
}

/// What a protocol shows of its conversation with `-v`: the bytes as
/// they go out and come in, in order; each protocol keeps its own line
/// logic (what it prints, what it leaves out).
pub trait Tracer {
    /// Bytes written to the server.
    fn sent(&mut self, bytes: &[u8]);
    /// Bytes read from the server.
    fn received(&mut self, bytes: &[u8]);
}

/// A stream that hands what it reads and writes to a [`Tracer`] while
/// `on` (`-v`, and not turned off since).
pub struct Trace<S, T> {
    /// The stream watched.
    pub inner: S,
    /// Tracing is on.
    pub on: bool,
    /// The protocol's own tracing.
    pub tracer: T,
}

impl<S, T: Default> Trace<S, T> {
    /// A trace over `inner`, on if `on`.
    pub fn new(inner: S, on: bool) -> Self {
        Trace {
            inner,
            on,
            tracer: T::default(),
        }
    }
}

impl<T> OverTls for Trace<tls::Stream<TcpStream>, T> {
    fn tls(&mut self) -> &mut tls::Stream<TcpStream> {
        &mut self.inner
    }
}

/// Times out and half-closes as the stream it watches does.
impl<S: sanswire::io::Socket, T: Tracer> sanswire::io::Socket for Trace<S, T> {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
        self.inner.set_read_timeout(timeout)
    }

    fn shutdown_write(&mut self) -> std::io::Result<()> {
        self.inner.shutdown_write()
    }
}

impl<S: Read, T: Tracer> Read for Trace<S, T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.on {
            self.tracer.received(&buf[..n]);
        }
        Ok(n)
    }
}

impl<S: Write, T: Tracer> Write for Trace<S, T> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        if self.on {
            self.tracer.sent(&buf[..n]);
        }
        Ok(n)
    }

    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        let n = self.inner.write_vectored(bufs)?;
        if self.on {
            let mut left = n;
            for b in bufs {
                let take = left.min(b.len());
                self.tracer.sent(&b[..take]);
                left -= take;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The in-band upgrade (SMTP STARTTLS, POP3 STLS) with the handshake on
/// the stream under the trace: what `Session::starttls` runs, for a
/// stream that is not itself a `tls::Stream`.
pub fn traced_starttls<T, P>(
    client: &mut sanswire::io::Session<T, P>,
    connector: &TlsConnector,
    host: &str,
) -> Result<P::Secured, sanswire::io::SessionError<P>>
where
    T: sanswire::io::Socket + OverTls,
    P: sanswire::wire::StartTls,
{
    use sanswire::wire::Machine;
    client.run(P::Upgrade::default())?;
    let driver = client.driver();
    driver.flush()?;
    sanswire::io::check_upgrade(driver.machine()).map_err(sanswire::io::DriveError::widen)?;
    driver.stream().tls().upgrade_client(connector, host)?;
    driver.machine().tls_established();
    let out = client.run(P::Upgraded::default())?;
    P::secured(out).map_err(sanswire::io::DriveError::Refused)
}

/// What `-w` can print about one transfer.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// The last response's status (`%{http_code}`, `%{response_code}`).
    pub code: u16,
    /// Body bytes received (`%{size_download}`).
    pub size_download: u64,
    /// The last URL asked for (`%{url_effective}`).
    pub url_effective: String,
    /// The last response's Content-Type (`%{content_type}`).
    pub content_type: Option<String>,
    /// Redirects followed (`%{num_redirects}`).
    pub num_redirects: u32,
    /// Header bytes received (`%{size_header}`).
    pub size_header: u64,
    /// The exit code (`%{exitcode}`).
    pub exit_code: i32,
}

/// `-w FORMAT` for one transfer: `%{variable}`, `%%`, and the escapes
/// `\n`, `\r`, `\t`, `\\`, as curl expands them.
pub fn write_out(format: &str, stats: &Stats, elapsed: Duration) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(i) = rest.find(['%', '\\']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("%{") {
            if let Some(end) = after.find('}') {
                match variable(&after[..end], stats, elapsed) {
                    Some(v) => out.push_str(&v),
                    None => eprintln!("fetch: unknown --write-out variable: '{}'", &after[..end]),
                }
                rest = &after[end + 1..];
                continue;
            }
        }
        let mut chars = tail.chars();
        let first = chars.next().unwrap_or_default();
        let escaped = match (first, chars.next()) {
            ('%', Some('%')) => Some('%'),
            ('\\', Some('n')) => Some('\n'),
            ('\\', Some('r')) => Some('\r'),
            ('\\', Some('t')) => Some('\t'),
            ('\\', Some('\\')) => Some('\\'),
            _ => None,
        };
        match escaped {
            Some(c) => {
                out.push(c);
                rest = &tail[2..];
            }
            None => {
                out.push(first);
                rest = &tail[first.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn variable(name: &str, stats: &Stats, elapsed: Duration) -> Option<String> {
    Some(match name {
        "http_code" | "response_code" => format!("{:03}", stats.code),
        "size_download" => stats.size_download.to_string(),
        "size_header" => stats.size_header.to_string(),
        "time_total" => format!("{:.6}", elapsed.as_secs_f64()),
        "url_effective" => stats.url_effective.clone(),
        "content_type" => stats.content_type.clone().unwrap_or_default(),
        "num_redirects" => stats.num_redirects.to_string(),
        "exitcode" => stats.exit_code.to_string(),
        _ => return None,
    })
}
