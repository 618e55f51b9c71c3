//! `fetch ftp://[user[:pass]@]host[:port]/path`, as curl does: a file is
//! printed (or written with `-o`), a path ending in `/` prints its LIST
//! (`-l`: NLST), `-T FILE` uploads with STOR (to `dir/FILE` when the URL
//! ends in `/`), `-P ADDR` uses active mode (`-` for the control
//! connection's address), `-C OFFSET` resumes (`-C -`: from the local
//! file's size, or for an upload the remote one). Login is anonymous
//! (`ftp@example.com`, curl's password) without credentials. Each
//! directory of the path is entered with its own CWD, as curl's default
//! `--ftp-method multicwd`; listings are TYPE A, files TYPE I.
//!
//! `ftps://` is implicit FTPS (port 990: TLS from the first byte);
//! `--ssl-reqd` on `ftp://` sends AUTH TLS first. Either way PBSZ 0 and
//! PROT P follow, as curl sends them, and every data connection resumes
//! the control connection's TLS session (vsftpd's `require_ssl_reuse`).
//! `--cacert FILE` and `-k` as for the other schemes.
//!
//! Exit codes are curl's: 67 login refused, 9 a directory refused, 78 a
//! file that does not exist, 25 an upload refused, 7 no data connection,
//! 64 TLS required and not offered, 35/60 a failed handshake.

use super::{
    connect, credentials, exit, implicit_tls, log_tls, open_upload, tls_connector, tls_failure,
    tls_host, upgrade_failure, Args, Failure, Sink, Upload,
};
use sanswire::io::tls;

/// How much of an upload goes into one write.
const UPLOAD_CHUNK: usize = 256 * 1024;
use sanswire::ftp::{self, Ftp, TransferType};
use sanswire::io::ftp::Client;
use sanswire::io::{DriveError, SessionError};
use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::time::Instant;
use url::Url;

type Session = Client<tls::Stream<TcpStream>>;

pub fn fetch(args: &Args, url: &Url, started: Instant, ftps: bool) -> Result<(), Failure> {
    let tcp = connect(url, if ftps { 990 } else { 21 }, args, started)?;
    let mut machine = ftp::Client::new();
    let stream = if ftps {
        machine.set_implicit_tls();
        implicit_tls(args, url, tcp, &[])?
    } else {
        tls::Stream::plain(tcp)
    };
    if ftps || args.ssl_reqd {
        machine.set_require_tls(true);
    }
    if let Some(port) = &args.ftp_port {
        let ip = match port.as_str() {
            "-" => None,
            other => Some(other.parse().map_err(|_| {
                Failure(
                    45,
                    format!("--ftp-port {other}: an IP address or - is needed"),
                )
            })?),
        };
        machine.set_active(ip);
    }
    super::common::connect_limit(&mut machine, args, started);
    let mut ftp = Client::start(stream, machine).map_err(|e| failure(e, 8))?;
    super::common::greeted(ftp.driver(), args, started);
    secure(args, url, &mut ftp, ftps)?;
    let (user, pass) =
        credentials(args, url).unwrap_or_else(|| ("anonymous".into(), "ftp@example.com".into()));
    ftp.login(&user, &pass).map_err(|e| match e {
        DriveError::Refused(r) => Failure(67, format!("Access denied: {}", r.0.code())),
        other => failure(other, 67),
    })?;
    let path = decode(url.path());
    let mut parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let file = parts.pop().unwrap_or_default().to_string();
    for dir in parts.iter().filter(|d| !d.is_empty()) {
        ftp.cwd(dir).map_err(|e| {
            failure(e, 9).with(9, "Server denied you to change to the given directory")
        })?;
    }
    match &args.upload {
        Some(name) => upload(args, &mut ftp, &file, name)?,
        None if file.is_empty() => listing(args, &mut ftp, started)?,
        None => download(args, &mut ftp, &file, started)?,
    }
    let _ = ftp.quit();
    Ok(())
}

/// `--ssl-reqd`: AUTH TLS and the handshake; then, and on `ftps://`,
/// PBSZ 0 and PROT P so the data goes over TLS too.
fn secure(args: &Args, url: &Url, ftp: &mut Session, ftps: bool) -> Result<(), Failure> {
    let unavailable = |e: &ftp::Error| matches!(e.kind(), ftp::ErrorKind::TlsUnavailable);
    if ftps {
        ftp.protect()
            .map_err(|e| failure(e, exit::USE_SSL_FAILED))?;
    } else if args.ssl_reqd {
        let connector = tls_connector(args)?;
        ftp.starttls(&connector, tls_host(url))
            .map_err(|e| match e {
                DriveError::Io(io) => tls_failure(io),
                DriveError::Refused(r) => {
                    Failure(exit::USE_SSL_FAILED, format!("PROT P refused: {}", r.0))
                }
                other => upgrade_failure(other, unavailable),
            })?;
    } else {
        return Ok(());
    }
    log_tls(args, ftp.driver().stream());
    Ok(())
}

fn listing(args: &Args, ftp: &mut Session, started: Instant) -> Result<(), Failure> {
    ftp.set_type(TransferType::Ascii)
        .map_err(|e| failure(e, 17))?;
    let what = if args.list_only {
        ftp::ops::Transfer::Nlst(None)
    } else {
        ftp::ops::Transfer::List(None)
    };
    let mut sink = Sink::open(args, started)?;
    let mut data = ftp.transfer(what).map_err(|e| failure(e, 7))?;
    // TYPE A: curl prints listings with the line ends of the local
    // system, as RFC 959 asks of a receiver.
    let mut ascii = ftp::AsciiDecoder::default();
    let mut text = Vec::new();
    while let Some(chunk) = data.next_chunk()? {
        text.clear();
        ascii.decode(&chunk, &mut text);
        sink.write(&text)?;
    }
    text.clear();
    ascii.finish(&mut text);
    sink.write(&text)?;
    data.finish().map_err(|e| failure(e, 18))?;
    sink.finish()
}

fn download(args: &Args, ftp: &mut Session, file: &str, started: Instant) -> Result<(), Failure> {
    ftp.set_type(TransferType::Image)
        .map_err(|e| failure(e, 17))?;
    let mut sink = Sink::open_for_resume(args, started)?;
    let offset = match args.continue_at.as_deref() {
        None => 0,
        Some("-") => sink.done,
        Some(n) => n
            .parse()
            .map_err(|_| Failure(2, format!("-C {n}: a number or - is needed")))?,
    };
    sink.done = 0;
    if let Ok(size) = ftp.size(file) {
        sink.total = Some(size.saturating_sub(offset));
    }
    let mut data = ftp
        .retr_from(file, offset)
        .map_err(|e| match ftp_code(&e) {
            Some(550) => Failure(78, "The file does not exist".into()),
            _ => failure(e, 7),
        })?;
    while let Some(chunk) = data.next_chunk()? {
        sink.write(&chunk)?;
    }
    data.finish().map_err(|e| failure(e, 18))?;
    sink.finish()
}

fn upload(args: &Args, ftp: &mut Session, file: &str, name: &str) -> Result<(), Failure> {
    let remote = if file.is_empty() {
        std::path::Path::new(name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.to_string())
    } else {
        file.to_string()
    };
    ftp.set_type(TransferType::Image)
        .map_err(|e| failure(e, 17))?;
    let mut source: Box<dyn Read> = match open_upload(name)? {
        Upload::File(f, _) => Box::new(f),
        Upload::Stdin => Box::new(std::io::stdin()),
    };
    let offset = match args.continue_at.as_deref() {
        None => 0,
        Some("-") => ftp.size(&remote).unwrap_or(0),
        Some(n) => n
            .parse()
            .map_err(|_| Failure(2, format!("-C {n}: a number or - is needed")))?,
    };
    if offset > 0 {
        // curl resumes an upload by skipping what the server has and
        // appending the rest.
        std::io::copy(&mut (&mut source).take(offset), &mut std::io::sink())?;
    }
    let refused = |e: SessionError<Ftp>| match ftp_code(&e) {
        Some(code) => Failure(25, format!("Failed FTP upload: {code}")),
        None => failure(e, 25),
    };
    let mut data = if offset > 0 {
        ftp.appe(&remote)
    } else {
        ftp.stor(&remote)
    }
    .map_err(refused)?;
    let mut buf = vec![0u8; UPLOAD_CHUNK];
    loop {
        let n = source.read(&mut buf)?;
        if n == 0 {
            break;
        }
        data.write_all(&buf[..n])?;
    }
    data.finish().map_err(refused)?;
    Ok(())
}

/// The server's code, when the error is its refusal.
fn ftp_code(e: &SessionError<Ftp>) -> Option<u16> {
    sanswire::io::ftp::refusal(e).map(|r| r.0.code())
}

/// A session error as curl reports it: a refusal with `code`, anything
/// else by its kind.
fn failure(e: SessionError<Ftp>, code: i32) -> Failure {
    match e {
        DriveError::Refused(r) => Failure(code, format!("server replied: {}", r.0)),
        other => other.into(),
    }
}

impl Failure {
    /// The same failure under curl's code and message for a refusal.
    fn with(self, code: i32, message: &str) -> Failure {
        if self.0 == code {
            Failure(code, message.into())
        } else {
            self
        }
    }
}

impl Sink {
    /// Like `open`, but with `-C` and `-o` the file is appended to, and
    /// what it holds is counted in `done` (the offset of `-C -`).
    fn open_for_resume(args: &Args, started: Instant) -> Result<Sink, Failure> {
        let (Some(path), Some(_)) = (&args.output, &args.continue_at) else {
            return Sink::open(args, started);
        };
        // Opened here in append mode: `open` would truncate it.
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Failure(23, format!("{}: {e}", path.display())))?;
        let done = file.seek(SeekFrom::End(0))?;
        let mut sink = Sink::to(Box::new(file), args, started)?;
        sink.done = done;
        Ok(sink)
    }
}

fn decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}
