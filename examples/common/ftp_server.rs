//! `serve ftp`: a folder over FTP.
//!
//! Anonymous (`anonymous` or `ftp`, any password) is read-only; with
//! `--user USER:PASS`, that user may also write (STOR, APPE, DELE, MKD,
//! RMD, RNFR/RNTO) and anonymous login is refused. Passive (PASV, EPSV)
//! and active (PORT, EPRT to the client's own address) modes. Every path
//! is resolved inside the root: `..` stops at it, and a symlink that
//! leads out of it is refused. Listings: LIST in `ls -l` form, NLST, MLSD;
//! TYPE A converts line ends both ways. STOU stores under a fresh name
//! (`STOU`, `STOU.1`, ... as vsftpd) given in the `150 FILE: name`.
//!
//! With `--tls-cert` and `--tls-key`: AUTH TLS (or, with `--implicit-tls`,
//! TLS from the first byte, FTPS), PBSZ and PROT P; each PROT P data
//! connection must resume the control connection's TLS session, or the
//! transfer is refused with `522`, as vsftpd's `require_ssl_reuse`. As
//! vsftpd (one process, so one session cache, per client), each control
//! connection gets a session cache of its own: a data connection that
//! resumed at all resumed this client's session (TLS 1.2 or 1.3).

use super::{Incoming, ServerConfig};
use sanswire::ftp::list::{write_mlsd, write_unix, Entry, EntryKind, ListTime};
use sanswire::ftp::{
    AsciiDecoder, AsciiEncoder, Command, DataEndpoint, DataProtection, Reply, Server,
    ServerEvent as Event, TransferError, TransferType,
};
use sanswire::io::tls::{self, rustls::server::ServerSessionMemoryCache, TlsAcceptor};
use sanswire::io::{ByteStream, DriveError, Driver};
use sanswire::wire::Raw;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

type Outcome = Result<(), DriveError<sanswire::ftp::Error>>;

/// How long a client has to open a passive data connection.
const ACCEPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Read size for files and data connections.
const CHUNK: usize = 256 * 1024;

type Stream = tls::Stream<TcpStream>;

/// Serves one connection until it closes.
pub fn serve_connection(stream: TcpStream, config: &ServerConfig) {
    let _ = stream.set_nodelay(true);
    let (Ok(peer), Ok(local)) = (stream.peer_addr(), stream.local_addr()) else {
        return;
    };
    let Ok(mut server) = Server::new("sanswire FTP server ready.") else {
        return;
    };
    server.set_peer(peer.ip());
    server.set_tls_offered(config.tls.is_some());
    let acceptor = config.tls.as_ref().map(own_session_cache);
    let stream = match (&acceptor, config.implicit_tls) {
        (Some(acceptor), true) => {
            server.set_implicit_tls();
            match tls::Stream::accept(stream, acceptor) {
                Ok(s) => s,
                Err(_) => return,
            }
        }
        _ => tls::Stream::plain(stream),
    };
    let mut session = Session {
        conn: Driver::new(stream, server),
        config,
        peer: peer.ip(),
        local: local.ip(),
        cwd: "/".into(),
        listener: None,
        writable: false,
        acceptor,
    };
    let _ = session.serve();
}

/// The acceptor for one client: the same certificate, and a session
/// cache of its own, so only this client's sessions can be resumed on
/// its data connections (rustls hands back resumption data in TLS 1.3
/// only; a cache per client works for TLS 1.2 too).
fn own_session_cache(acceptor: &TlsAcceptor) -> TlsAcceptor {
    let mut config = (**acceptor.config()).clone();
    config.session_storage = ServerSessionMemoryCache::new(64);
    TlsAcceptor::from_config(Arc::new(config))
}

struct Session<'a> {
    conn: Driver<Stream, Server>,
    config: &'a ServerConfig,
    peer: IpAddr,
    local: IpAddr,
    /// The virtual current directory, `/`-separated, from the root.
    cwd: String,
    listener: Option<TcpListener>,
    writable: bool,
    /// This client's TLS acceptor (see `own_session_cache`).
    acceptor: Option<TlsAcceptor>,
}

impl Session<'_> {
    fn serve(&mut self) -> Outcome {
        while let Some(event) = self.conn.next_event()? {
            self.answer(event)?;
        }
        Ok(())
    }

    fn server(&mut self) -> &mut Server {
        self.conn.machine()
    }

    fn reply(&mut self, code: u16, text: &str) -> Outcome {
        self.server()
            .reply(&Reply::new(code, text))
            .map_err(DriveError::Protocol)
    }

    fn answer(&mut self, event: Event) -> Outcome {
        let p = DriveError::Protocol;
        match event {
            Event::Login { user, pass } => {
                let ok = match &self.config.user {
                    Some(_) => self.config.check(&user, &pass),
                    None => {
                        user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp")
                    }
                };
                self.writable = ok && self.config.user.is_some();
                self.server().accept_login(ok).map_err(p)
            }
            Event::Passive { extended } => {
                let listener = TcpListener::bind((self.local, 0))?;
                let addr = listener.local_addr()?;
                self.listener = Some(listener);
                match self.server().passive_listening(addr) {
                    Ok(()) => Ok(()),
                    Err(_) if !extended => self.reply(522, "Use EPSV for IPv6."),
                    Err(e) => Err(p(e)),
                }
            }
            Event::Transfer {
                command,
                offset,
                data,
            } => self.transfer(command, offset, data),
            Event::Rename { from, to } => {
                if !self.writable {
                    return self.reply(550, "Permission denied.");
                }
                match (self.resolve(&from), self.resolve_new(&to)) {
                    (Some(f), Some(t)) if fs::rename(&f, &t).is_ok() => {
                        self.reply(250, "Rename successful.")
                    }
                    _ => self.reply(550, "Rename failed."),
                }
            }
            Event::Abort => self
                .server()
                .transfer_done(Err(TransferError::Aborted))
                .map_err(p),
            Event::AuthTls => match self.acceptor.clone() {
                Some(acceptor) => {
                    self.server().accept_tls().map_err(p)?;
                    self.conn.accept_tls(&acceptor)
                }
                None => self.reply(502, "TLS is not configured."),
            },
            Event::Command(cmd) => self.command(cmd),
            _ => self.reply(502, "Command not implemented."),
        }
    }

    fn command(&mut self, cmd: Command) -> Outcome {
        let p = DriveError::Protocol;
        match cmd {
            Command::Pwd => {
                let cwd = self.cwd.clone();
                self.server()
                    .reply_path(&cwd, "is the current directory")
                    .map_err(p)
            }
            Command::Cwd(path) => self.cwd(&path),
            Command::Cdup => self.cwd(".."),
            Command::Size(path) => match self.resolve(&path).and_then(|f| fs::metadata(f).ok()) {
                Some(m) if m.is_file() => self.reply(213, &m.len().to_string()),
                _ => self.reply(550, "Could not get file size."),
            },
            Command::Mdtm(path) => match self.resolve(&path).and_then(|f| fs::metadata(f).ok()) {
                Some(m) if m.is_file() => {
                    let t = utc(m.modified().unwrap_or(UNIX_EPOCH));
                    self.reply(213, &mlsd_time(&t))
                }
                _ => self.reply(550, "Could not get file modification time."),
            },
            Command::Mlst(path) => {
                let virt = path.unwrap_or_else(|| self.cwd.clone());
                let Some(real) = self.resolve(&virt) else {
                    return self.reply(550, "No such file or directory.");
                };
                let Ok(meta) = fs::symlink_metadata(&real) else {
                    return self.reply(550, "No such file or directory.");
                };
                let name = virtual_path(&self.cwd, &virt);
                let mut line = Vec::new();
                write_mlsd(&entry(name.as_bytes(), &meta, &[], false), &mut line);
                let line = String::from_utf8_lossy(&line);
                let reply = Reply::multi(250, "Listing", [line.trim_end()], "End");
                self.server().reply(&reply).map_err(p)
            }
            Command::Mkd(path) => {
                let target = self.resolve_new(&path).filter(|_| self.writable);
                match target.map(|t| fs::create_dir(&t)) {
                    Some(Ok(())) => {
                        let virt = virtual_path(&self.cwd, &path);
                        self.server().reply_path(&virt, "created").map_err(p)
                    }
                    _ => self.reply(550, "Create directory operation failed."),
                }
            }
            Command::Rmd(path) => {
                let target = self.resolve(&path).filter(|_| self.writable);
                match target.map(|t| fs::remove_dir(&t)) {
                    Some(Ok(())) => self.reply(250, "Remove directory operation successful."),
                    _ => self.reply(550, "Remove directory operation failed."),
                }
            }
            Command::Dele(path) => {
                let target = self.resolve(&path).filter(|_| self.writable);
                match target.map(|t| fs::remove_file(&t)) {
                    Some(Ok(())) => self.reply(250, "Delete operation successful."),
                    _ => self.reply(550, "Delete operation failed."),
                }
            }
            Command::Stat(_) => self.reply(211, "sanswire FTP server status: OK"),
            Command::Site(_) => self.reply(500, "SITE not understood."),
            _ => self.reply(502, "Command not implemented."),
        }
    }

    fn cwd(&mut self, path: &str) -> Outcome {
        match self.resolve(path) {
            Some(real) if real.is_dir() => {
                self.cwd = virtual_path(&self.cwd, path);
                self.reply(250, "Directory successfully changed.")
            }
            _ => self.reply(550, "Failed to change directory."),
        }
    }

    /// An existing path inside the root, symlinks followed and checked.
    fn resolve(&self, path: &str) -> Option<PathBuf> {
        let virt = virtual_path(&self.cwd, path);
        let real = self.config.root.join(virt.trim_start_matches('/'));
        let real = real.canonicalize().ok()?;
        real.starts_with(&self.config.root).then_some(real)
    }

    /// A path to create inside the root: its parent must exist inside.
    fn resolve_new(&self, path: &str) -> Option<PathBuf> {
        let virt = virtual_path(&self.cwd, path);
        let (parent, name) = virt.rsplit_once('/')?;
        if name.is_empty() {
            return None;
        }
        let parent = self.resolve(if parent.is_empty() { "/" } else { parent })?;
        let target = parent.join(name);
        // An existing symlink at the target could lead out.
        match fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => None,
            _ => Some(target),
        }
    }

    fn transfer(&mut self, command: Command, offset: u64, data: DataEndpoint) -> Outcome {
        let p = DriveError::Protocol;
        // Check the file before the data connection, as vsftpd does.
        let source = match self.prepare(&command, offset) {
            Ok(source) => source,
            Err((code, text)) => return self.reply(code, text),
        };
        let tcp = match self.open_data(data) {
            Ok(tcp) => tcp,
            Err(_) => {
                return self
                    .server()
                    .transfer_done(Err(TransferError::CannotOpen))
                    .map_err(p)
            }
        };
        match &source {
            Source::Unique(_, name) => self.server().stou_started(name).map_err(p)?,
            _ => self.server().transfer_started().map_err(p)?,
        }
        self.conn.flush()?;
        let ascii = self.conn.machine_ref().transfer_type() == TransferType::Ascii;
        let Some(data) = self.secure_data(tcp) else {
            return self
                .server()
                .transfer_done(Err(TransferError::TlsFailed))
                .map_err(p);
        };
        // A data peer that goes silent is dropped, as an idle control one.
        let mut raw = sanswire::ftp::data_machine();
        sanswire::wire::Machine::set_timeout(&mut raw, Some(Server::TIMEOUT));
        let mut stream = ByteStream::new(data, raw);
        let result = match source {
            Source::File(file) => send_file(&mut stream, file, ascii),
            Source::Listing(bytes) => stream.write_all(&bytes).and_then(|()| stream.finish()),
            Source::Upload(file) | Source::Unique(file, _) => {
                receive_file(&mut stream, file, ascii)
            }
        };
        drop(stream);
        let result = result.map_err(|_| TransferError::Aborted);
        self.server().transfer_done(result).map_err(p)
    }

    /// The data connection as PROT says: plaintext, or TLS that resumed
    /// this control connection's session (`None`: it did not, or the
    /// handshake failed; the transfer is refused with 522).
    fn secure_data(&mut self, tcp: TcpStream) -> Option<Stream> {
        let private = self.conn.machine_ref().data_protection() == DataProtection::Private;
        let acceptor = match (&self.acceptor, private) {
            (Some(acceptor), true) => acceptor,
            _ => return Some(tls::Stream::plain(tcp)),
        };
        let data = tls::Stream::accept(tcp, acceptor).ok()?;
        data.is_resumed().then_some(data)
    }

    /// A file for STOU under a name nothing has yet: `STOU`, then
    /// `STOU.1`, `STOU.2`, ... (vsftpd's names), created exclusively.
    fn unique_file(&self) -> Option<(Incoming, String)> {
        (0..1000).find_map(|i| {
            let name = match i {
                0 => "STOU".to_string(),
                i => format!("STOU.{i}"),
            };
            let real = self.resolve_new(&name)?;
            let file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&real)
                .ok()?;
            Some((Incoming::in_place(file, &real), name))
        })
    }

    fn prepare(&self, command: &Command, offset: u64) -> Result<Source, (u16, &'static str)> {
        let denied = (550, "Permission denied.");
        match command {
            Command::Retr(path) => {
                let real = self.resolve(path).filter(|r| r.is_file());
                let mut file = real
                    .and_then(|r| File::open(r).ok())
                    .ok_or((550, "Failed to open file."))?;
                file.seek(SeekFrom::Start(offset))
                    .map_err(|_| (550, "Failed to seek."))?;
                Ok(Source::File(file))
            }
            Command::Stor(path) | Command::Appe(path) => {
                if !self.writable {
                    return Err(denied);
                }
                let real = self
                    .resolve_new(path)
                    .ok_or((553, "Could not create file."))?;
                let append = matches!(command, Command::Appe(_));
                if !append && offset == 0 {
                    // A new upload goes in place, fsynced, only once whole.
                    return Incoming::create(&real)
                        .map(Source::Upload)
                        .map_err(|_| (553, "Could not create file."));
                }
                // APPE and REST resume what is there: written in place.
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .append(append)
                    .truncate(false)
                    .open(&real)
                    .map_err(|_| (553, "Could not create file."))?;
                if offset > 0 && !append {
                    file.seek(SeekFrom::Start(offset))
                        .map_err(|_| (553, "Failed to seek."))?;
                }
                Ok(Source::Upload(Incoming::in_place(file, &real)))
            }
            Command::Stou if !self.writable => Err(denied),
            Command::Stou => self
                .unique_file()
                .map(|(file, name)| Source::Unique(file, name))
                .ok_or((553, "Could not create file.")),
            Command::List(path) | Command::Nlst(path) | Command::Mlsd(path) => {
                let virt = path.clone().unwrap_or_else(|| ".".into());
                let real = self
                    .resolve(&virt)
                    .ok_or((550, "Failed to open directory."))?;
                let listing = match command {
                    Command::List(_) => list(&real, Format::Unix),
                    Command::Nlst(_) => list(&real, Format::Names),
                    _ if !real.is_dir() => return Err((501, "Not a directory.")),
                    _ => list(&real, Format::Mlsd),
                };
                listing
                    .map(Source::Listing)
                    .map_err(|_| (550, "Failed to open directory."))
            }
            _ => Err((502, "Command not implemented.")),
        }
    }

    fn open_data(&mut self, data: DataEndpoint) -> std::io::Result<TcpStream> {
        let tcp = match data {
            DataEndpoint::Active(addr) => {
                TcpStream::connect_timeout(&addr, Duration::from_secs(10))?
            }
            DataEndpoint::Passive => {
                let listener = self
                    .listener
                    .take()
                    .ok_or(std::io::ErrorKind::NotConnected)?;
                accept(&listener, self.peer)?
            }
        };
        tcp.set_nodelay(true)?;
        Ok(tcp)
    }
}

enum Source {
    File(File),
    Upload(Incoming),
    /// STOU: the file and the name it got.
    Unique(Incoming, String),
    Listing(Vec<u8>),
}

fn send_file(
    stream: &mut ByteStream<Stream, Raw>,
    mut file: File,
    ascii: bool,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    let mut encoder = AsciiEncoder::default();
    let mut converted = Vec::new();
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if ascii {
            converted.clear();
            encoder.encode(&buf[..n], &mut converted);
            stream.write_all(&converted)?;
        } else {
            stream.write_all(&buf[..n])?;
        }
    }
    stream.finish()
}

fn receive_file(
    stream: &mut ByteStream<Stream, Raw>,
    mut file: Incoming,
    ascii: bool,
) -> std::io::Result<()> {
    let mut decoder = AsciiDecoder::default();
    let mut converted = Vec::new();
    while let Some(chunk) = stream.next_chunk()? {
        if ascii {
            converted.clear();
            decoder.decode(&chunk, &mut converted);
            file.write_all(&converted)?;
        } else {
            file.write_all(&chunk)?;
        }
    }
    converted.clear();
    decoder.finish(&mut converted);
    file.write_all(&converted)?;
    // On disk and under its name before the 226.
    file.commit()
}

/// Accepts the client's data connection, from the control connection's
/// peer only (anyone else could steal the data: the "pasv theft" vsftpd
/// guards against with pasv_promiscuous=NO).
fn accept(listener: &TcpListener, peer: IpAddr) -> std::io::Result<TcpStream> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + ACCEPT_TIMEOUT;
    loop {
        match listener.accept() {
            Ok((tcp, from)) if from.ip() == peer => {
                tcp.set_nonblocking(false)?;
                return Ok(tcp);
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err(std::io::ErrorKind::TimedOut.into());
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(e),
        }
    }
}

/// `path` resolved against `cwd` as a virtual absolute path: `.` and
/// `..` applied, never above `/`.
fn virtual_path(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        PathBuf::from(path)
    } else {
        Path::new(cwd).join(path)
    };
    let mut parts: Vec<String> = Vec::new();
    for c in joined.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    format!("/{}", parts.join("/"))
}

enum Format {
    Unix,
    Names,
    Mlsd,
}

fn list(real: &Path, format: Format) -> std::io::Result<Vec<u8>> {
    let mut names: Vec<(String, fs::Metadata)> = Vec::new();
    if real.is_dir() {
        for item in fs::read_dir(real)? {
            let item = item?;
            if let Ok(meta) = fs::symlink_metadata(item.path()) {
                names.push((item.file_name().to_string_lossy().into_owned(), meta));
            }
        }
    } else {
        let name = real.file_name().map(|n| n.to_string_lossy().into_owned());
        names.push((name.unwrap_or_default(), fs::symlink_metadata(real)?));
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (name, meta) in &names {
        let target = fs::read_link(real.join(name)).ok();
        let target = target
            .as_ref()
            .map(|t| t.to_string_lossy().into_owned())
            .unwrap_or_default();
        let e = entry(
            name.as_bytes(),
            meta,
            target.as_bytes(),
            matches!(format, Format::Unix),
        );
        match format {
            Format::Unix => write_unix(&e, &mut out),
            Format::Mlsd => write_mlsd(&e, &mut out),
            Format::Names => {
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    Ok(out)
}

/// An entry for a listing line: `ls -l` gives the time of day for the
/// last six months and the year before (`unix`); MLSD the full time.
fn entry<'a>(name: &'a [u8], meta: &fs::Metadata, target: &'a [u8], unix: bool) -> Entry<'a> {
    let kind = if meta.file_type().is_symlink() {
        EntryKind::Link
    } else if meta.is_dir() {
        EntryKind::Dir
    } else {
        EntryKind::File
    };
    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
    let mut time = ListTime::from(utc(modified));
    if unix {
        let recent = SystemTime::now()
            .duration_since(modified)
            .map_or(true, |age| age < Duration::from_secs(180 * 86_400));
        if recent {
            time.year = None;
        } else {
            time.time = None;
        }
    }
    let perms: &'static [u8] = match kind {
        EntryKind::Dir => b"rwxr-xr-x",
        EntryKind::Link => b"rwxrwxrwx",
        _ => b"rw-r--r--",
    };
    Entry {
        name,
        kind: Some(kind),
        size: (kind == EntryKind::File).then_some(meta.len()),
        modified: Some(time),
        target: (kind == EntryKind::Link).then_some(target),
        permissions: unix.then_some(perms),
        ..Entry::default()
    }
}

/// A UTC calendar time from a system time (days from the civil
/// calendar, Howard Hinnant's algorithm).
fn utc(t: SystemTime) -> sanswire::ftp::Timestamp {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    sanswire::ftp::Timestamp {
        year,
        month,
        day,
        hour: (rem / 3600) as u8,
        minute: (rem / 60 % 60) as u8,
        second: (rem % 60) as u8,
        millis: 0,
    }
}

fn mlsd_time(t: &sanswire::ftp::Timestamp) -> String {
    sanswire::ftp::Timestamp { millis: 0, ..*t }.to_string()
}
