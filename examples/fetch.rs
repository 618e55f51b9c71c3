//! A curl-like client for every scheme the crate speaks.
//!
//! ```text
//! cargo run --release --example fetch -- [OPTIONS] URL...
//! ```
//! Where curl works, fetch works the same: the same bytes on stdout, the
//! same exit code (curl's numbering), the same commands on the wire. The
//! options are curl's (see `fetch --help` and the README's table); a
//! failure prints one line on stderr (none with `-s`, unless `-S`).
//!
//! This file is the options and the scheme dispatch; each scheme lives in
//! `fetch/<scheme>.rs`, and what they share in `fetch/common.rs`.

use clap::{CommandFactory, FromArgMatches, Parser};
use std::path::PathBuf;
use std::time::Instant;
use url::Url;

#[path = "fetch/common.rs"]
mod common;
#[path = "fetch/ftp.rs"]
mod ftp;
#[path = "fetch/gopher.rs"]
mod gopher;
#[path = "fetch/http.rs"]
mod http;
#[path = "fetch/imap.rs"]
mod imap;
#[path = "fetch/nntp.rs"]
mod nntp;
#[path = "fetch/pop3.rs"]
mod pop3;
#[path = "fetch/smtp.rs"]
mod smtp;
#[path = "fetch/telnet.rs"]
mod telnet;

// The shared pieces, where the scheme modules find them (`super::...`).
#[allow(unused_imports)]
use common::{
    connect, credentials, exit, implicit_tls, log_tls, open_upload, tls_connector, tls_failure,
    tls_host, upgrade_failure, Failure, Show, Sink, Upload,
};

/// The receive buffer's read size: bulk downloads want few, large reads.
const READ_SIZE: usize = 1024 * 1024;

#[derive(Parser, Debug, Clone)]
#[command(
    about = "Fetch URLs, like curl: http(s), smtp(s), pop3(s)",
    version,
    after_help = "Exit codes are curl's. Options not listed are not supported yet (see README)."
)]
struct Args {
    /// The URL being fetched (set for each of `urls` in turn).
    #[arg(skip)]
    url: String,
    /// Where this URL's resource goes (set from `-o`/`-O` for each URL).
    #[arg(skip)]
    output: Option<PathBuf>,
    /// Upload FILE (`-` for stdin); for http, a PUT.
    #[arg(short = 'T', long = "upload-file", value_name = "FILE")]
    upload: Option<String>,
    /// Credentials, USER:PASS.
    #[arg(short = 'u', long = "user", value_name = "USER:PASS")]
    user: Option<String>,
    /// A custom request (for http, the method; for pop3 and smtp, the command).
    #[arg(short = 'X', long = "request", value_name = "COMMAND")]
    request: Option<String>,
    /// An extra header, `Name: value` (http; repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// HTTP POST data (`@FILE` reads FILE without CR and LF); several are joined with `&`.
    #[arg(short = 'd', long = "data", value_name = "DATA")]
    data: Vec<String>,
    /// Show the conversation on stderr.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
    /// Give up after SECS seconds (exit 28).
    #[arg(short = 'm', long = "max-time", value_name = "SECS")]
    max_time: Option<f64>,
    /// No progress bar and no error messages.
    #[arg(short = 's', long = "silent")]
    silent: bool,
    /// http: fail (exit 22) with nothing on stdout on a status of 400 or more.
    #[arg(short = 'f', long = "fail")]
    fail: bool,
    /// Verify servers against the CA certificates in this PEM file only.
    #[arg(long = "cacert", value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Skip certificate verification (encrypted, NOT authenticated).
    #[arg(short = 'k', long = "insecure")]
    insecure: bool,
    /// Require TLS: for smtp, pop3 and ftp, upgrade with STARTTLS/STLS/AUTH TLS and fail
    /// (exit 64) if the server does not offer it. https, smtps, pop3s and
    /// ftps are always TLS.
    #[arg(long = "ssl-reqd")]
    ssl_reqd: bool,
    /// smtp: the sender (reverse-path); empty (`<>`) if not given.
    #[arg(long = "mail-from", value_name = "ADDR")]
    mail_from: Option<String>,
    /// smtp: a recipient (repeatable).
    #[arg(long = "mail-rcpt", value_name = "ADDR")]
    mail_rcpt: Vec<String>,
    /// The URLs, fetched in turn (`host/path` without a scheme is http):
    /// http[s]://host[:port]/path, smtp[s]://host[:port][/helo-domain],
    /// pop3[s]://[user:pass@]host[:port]/[N], gopher[s]://host[:port]/TYPE SELECTOR,
    /// nntp[s]://host[:port]/GROUP[/N], news://host/MESSAGE-ID,
    /// imap[s]://[user:pass@]host[:port]/[MAILBOX[/;UID=N]],
    /// ftp://[user[:pass]@]host[:port]/path, telnet://host[:port].
    #[arg(required = true, value_name = "URL")]
    urls: Vec<String>,
    /// Write the resource to FILE instead of stdout (one per URL, in order).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    outputs: Vec<PathBuf>,
    /// With -s, show error messages again.
    #[arg(short = 'S', long = "show-error")]
    show_error: bool,
    /// http: follow redirects.
    #[arg(short = 'L', long = "location")]
    location: bool,
    /// http: at most NUM redirects with -L (exit 47 past it; -1 for no limit).
    #[arg(
        long = "max-redirs",
        value_name = "NUM",
        default_value_t = 50,
        allow_negative_numbers = true
    )]
    max_redirs: i64,
    /// http: a HEAD request; print the response head only.
    #[arg(short = 'I', long = "head")]
    head: bool,
    /// http: print the response head before the body.
    #[arg(short = 'i', long = "include")]
    include: bool,
    /// http: write the response heads to FILE (`-` for stdout).
    #[arg(short = 'D', long = "dump-header", value_name = "FILE")]
    dump_header: Option<PathBuf>,
    /// Write the resource to a file named as the URL's last path segment (one per URL).
    #[arg(short = 'O', long = "remote-name", action = clap::ArgAction::Count)]
    remote_name: u8,
    /// The folder -o and -O files go in.
    #[arg(long = "output-dir", value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// After each transfer, print FORMAT (%{http_code}, %{size_download}, %{time_total},
    /// %{url_effective}, %{content_type}, %{num_redirects}, %{size_header}, %{exitcode}, \n).
    #[arg(short = 'w', long = "write-out", value_name = "FORMAT")]
    write_out: Option<String>,
    /// http: the User-Agent.
    #[arg(short = 'A', long = "user-agent", value_name = "NAME")]
    user_agent: Option<String>,
    /// http: the Referer; `URL;auto` or `;auto` also sets it to the last URL on redirects.
    #[arg(short = 'e', long = "referer", value_name = "URL")]
    referer: Option<String>,
    /// http: cookies, `NAME=VALUE; ...`, or a cookie file to read (Netscape format).
    #[arg(short = 'b', long = "cookie", value_name = "DATA|FILE")]
    cookie: Vec<String>,
    /// http: write every cookie to FILE (Netscape format) at the end.
    #[arg(short = 'c', long = "cookie-jar", value_name = "FILE")]
    cookie_jar: Option<PathBuf>,
    /// http: POST data as is (`@FILE` bytes exact).
    #[arg(long = "data-binary", value_name = "DATA")]
    data_binary: Vec<String>,
    /// http: POST data, `@` not special.
    #[arg(long = "data-raw", value_name = "DATA")]
    data_raw: Vec<String>,
    /// http: POST data, URL-encoded (`content`, `=content`, `name=content`, `@file`, `name@file`).
    #[arg(long = "data-urlencode", value_name = "DATA")]
    data_urlencode: Vec<String>,
    /// http: POST JSON (`@FILE` reads it), with JSON Content-Type and Accept.
    #[arg(long = "json", value_name = "DATA")]
    json: Vec<String>,
    /// http: put the data in the URL's query and GET.
    #[arg(short = 'G', long = "get")]
    get: bool,
    /// http: a multipart/form-data field, `name=value`, `name=@file`, `name=<file`, `;type=`.
    #[arg(short = 'F', long = "form", value_name = "NAME=CONTENT")]
    form: Vec<String>,
    /// http: ask for a compressed response (gzip, deflate, br, zstd) and decode it.
    #[arg(long = "compressed")]
    compressed: bool,
    /// http: resume at OFFSET, or `-` at the output file's size.
    #[arg(
        short = 'C',
        long = "continue-at",
        value_name = "OFFSET",
        allow_hyphen_values = true
    )]
    continue_at: Option<String>,
    /// http: ask for a byte range only (`0-99`, `-500`, `100-`).
    #[arg(
        short = 'r',
        long = "range",
        value_name = "RANGE",
        allow_hyphen_values = true
    )]
    range: Option<String>,
    /// Retry NUM times on transient errors (timeouts, HTTP 408, 429, 500, 502, 503, 504).
    #[arg(long = "retry", value_name = "NUM", default_value_t = 0)]
    retry: u32,
    /// At most SPEED bytes per second (`K`, `M`, `G` suffixes).
    #[arg(long = "limit-rate", value_name = "SPEED")]
    limit_rate: Option<String>,
    /// Give up connecting after SECS seconds (exit 28).
    #[arg(long = "connect-timeout", value_name = "SECS")]
    connect_timeout: Option<f64>,
    /// http: go through this HTTP proxy (`[http://]host[:port]`, port 1080 by default).
    #[arg(short = 'x', long = "proxy", value_name = "URL")]
    proxy: Option<String>,
    /// Hosts (comma-separated, `*` for all) reached without the proxy.
    #[arg(long = "noproxy", value_name = "HOSTS")]
    noproxy: Option<String>,
    /// pop3: list with LIST only.
    #[arg(short = 'l', long = "list-only")]
    list_only: bool,
    /// pop3, smtp: `AUTH=MECH` (`*` for any, `+APOP` for pop3).
    #[arg(long = "login-options", value_name = "OPTIONS")]
    login_options: Option<String>,
    /// pop3, smtp: send the SASL initial response with AUTH.
    #[arg(long = "sasl-ir")]
    sasl_ir: bool,
    /// pop3, smtp: log in with this OAuth 2.0 token (XOAUTH2 / OAUTHBEARER).
    #[arg(long = "oauth2-bearer", value_name = "TOKEN")]
    oauth2_bearer: Option<String>,
    /// smtp: the AUTH= parameter of MAIL FROM.
    #[arg(long = "mail-auth", value_name = "ADDR")]
    mail_auth: Option<String>,
    /// smtp: go on when some recipients are refused.
    #[arg(long = "mail-rcpt-allowfails")]
    mail_rcpt_allowfails: bool,
    /// smtp: turn LF into CRLF in the upload.
    #[arg(long = "crlf")]
    crlf: bool,
    /// smtp, pop3: use STARTTLS/STLS when offered, go on without it if not.
    #[arg(long = "ssl")]
    ssl: bool,
    /// telnet: an option, `TTYPE=xterm` or `NAWS=80x24` (repeatable).
    #[arg(short = 't', long = "telnet-option", value_name = "OPT=VAL")]
    telnet_options: Vec<String>,
    /// ftp: active mode, listening on ADDR (`-`: the control connection's address).
    #[arg(short = 'P', long = "ftp-port", value_name = "ADDR")]
    ftp_port: Option<String>,
    /// gopher: read the answer as a menu and print one item per line
    /// (type, display string, URL).
    #[arg(long = "menu")]
    menu: bool,
}

/// Which data options were given, in command-line order (curl joins them
/// in that order).
#[derive(Debug, Clone, PartialEq, Eq)]
enum DataPart {
    /// `-d`.
    Ascii(String),
    /// `--data-binary`.
    Binary(String),
    /// `--data-raw`.
    Raw(String),
    /// `--data-urlencode`.
    UrlEncode(String),
    /// `--json`.
    Json(String),
}

fn main() {
    let started = Instant::now();
    let matches = Args::command().get_matches();
    let args = Args::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let data = data_parts(&matches);
    let code = run_all(&args, &data, started);
    std::process::exit(code);
}

/// Builds a [`DataPart`] from an option's value.
type MakePart = fn(String) -> DataPart;

/// The data options in the order they were given.
fn data_parts(matches: &clap::ArgMatches) -> Vec<DataPart> {
    let mut parts: Vec<(usize, DataPart)> = Vec::new();
    let kinds: [(&str, MakePart); 5] = [
        ("data", DataPart::Ascii),
        ("data_binary", DataPart::Binary),
        ("data_raw", DataPart::Raw),
        ("data_urlencode", DataPart::UrlEncode),
        ("json", DataPart::Json),
    ];
    for (id, make) in kinds {
        if let (Some(values), Some(indices)) =
            (matches.get_many::<String>(id), matches.indices_of(id))
        {
            for (value, index) in values.zip(indices) {
                parts.push((index, make(value.clone())));
            }
        }
    }
    parts.sort_by_key(|(i, _)| *i);
    parts.into_iter().map(|(_, p)| p).collect()
}

/// Every URL in turn; the exit code is the last transfer's, as curl's.
fn run_all(args: &Args, data: &[DataPart], started: Instant) -> i32 {
    let show = Show::new(args);
    let mut code = 0;
    let mut cookies = http::CookieJar::load(args);
    let mut remote_names = args.remote_name as usize;
    let mut outputs = args.outputs.iter();
    for raw in &args.urls {
        let mut one = args.clone();
        one.url = raw.clone();
        one.output = if let Some(path) = outputs.next() {
            Some(in_output_dir(args, path.clone()))
        } else if remote_names > 0 {
            remote_names -= 1;
            match remote_name(raw) {
                Ok(name) => Some(in_output_dir(args, name)),
                Err(failure) => {
                    show.error(&failure);
                    code = failure.0;
                    continue;
                }
            }
        } else {
            None
        };
        let mut stats = common::Stats::default();
        let transfer_started = Instant::now();
        let result = run(&one, data, started, &mut cookies, &mut stats);
        // curl exits with the last transfer's code.
        code = 0;
        if let Err(failure) = &result {
            show.error(failure);
            code = failure.0;
            stats.exit_code = failure.0;
        }
        if let Err(failure) = cookies.save(args) {
            show.error(&failure);
            code = failure.0;
        }
        if let Some(format) = &args.write_out {
            let text = common::write_out(format, &stats, transfer_started.elapsed());
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }
    code
}

/// `--output-dir` in front of a relative output path.
fn in_output_dir(args: &Args, path: PathBuf) -> PathBuf {
    match &args.output_dir {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path,
    }
}

/// `-O`: the URL's last path segment, as curl takes it (not decoded).
fn remote_name(raw: &str) -> Result<PathBuf, Failure> {
    let url = parse_url(raw)?;
    let name = url.path().rsplit('/').next().unwrap_or_default();
    if name.is_empty() {
        return Err(Failure(
            exit::WRITE_ERROR,
            "Remote file name has no length".into(),
        ));
    }
    Ok(PathBuf::from(name))
}

/// A URL as curl reads it: without `scheme://`, http is meant.
fn parse_url(raw: &str) -> Result<Url, Failure> {
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    Url::parse(&with_scheme).map_err(|e| Failure(exit::URL_MALFORMAT, format!("URL rejected: {e}")))
}

fn run(
    args: &Args,
    data: &[DataPart],
    started: Instant,
    cookies: &mut http::CookieJar,
    stats: &mut common::Stats,
) -> Result<(), Failure> {
    let url = parse_url(&args.url)?;
    stats.url_effective = url.to_string();
    match url.scheme() {
        "http" | "https" => http::fetch(args, &url, data, cookies, stats),
        "smtp" => smtp::send(args, &url, started, false),
        "smtps" => smtp::send(args, &url, started, true),
        "pop3" => pop3::fetch(args, &url, started, false),
        "pop3s" => pop3::fetch(args, &url, started, true),
        "ftp" => ftp::fetch(args, &url, started, false),
        "ftps" => ftp::fetch(args, &url, started, true),
        "telnet" => telnet::session(args, &url, started),
        "gopher" => gopher::fetch(args, &url, started, false),
        "gophers" => gopher::fetch(args, &url, started, true),
        "nntp" | "news" => nntp::fetch(args, &url, started, false),
        "nntps" => nntp::fetch(args, &url, started, true),
        "imap" => imap::fetch(args, &url, started, false),
        "imaps" => imap::fetch(args, &url, started, true),
        other => Err(Failure(
            exit::UNSUPPORTED_PROTOCOL,
            format!("Protocol \"{other}\" not supported"),
        )),
    }
}
