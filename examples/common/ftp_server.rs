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
//!
//! Two drivers run the same [`Session`]: a thread per connection with
//! blocking data connections ([`serve_connection`]), and a tokio task per
//! connection ([`serve_connection_async`]). The session decides (paths,
//! replies, listings, files opened); each driver only does the I/O its
//! answer asks for ([`Flow`]): a passive listener, the TLS handshake, a
//! data connection.

use super::{AsyncStream, Incoming, ServerConfig};
use sanswire::ftp::list::{write_mlsd, write_unix, Entry, EntryKind, ListTime};
use sanswire::ftp::{
    AsciiDecoder, AsciiEncoder, Command, DataEndpoint, DataProtection, Error, Reply, Server,
    ServerEvent as Event, TransferError, TransferType,
};
use sanswire::io::tls::{self, rustls::server::ServerSessionMemoryCache, TlsAcceptor};
use sanswire::io::{ByteStream, DriveError, Driver};
use sanswire::wire::Raw;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

type Outcome = Result<(), DriveError<Error>>;

/// How long a client has to open a passive data connection.
const ACCEPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the server tries to connect to an active-mode client.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a TLS handshake may take on tokio (a client that connects
/// to the implicit-TLS port and says nothing must not hold its task).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Read size for files and data connections.
const CHUNK: usize = 256 * 1024;

type Stream = tls::Stream<TcpStream>;
type AsyncConn = sanswire::io::tokio::Driver<AsyncStream, Server>;
type AsyncData = sanswire::io::tokio::ByteStream<AsyncStream, Raw>;

/// Serves one connection until it closes: a thread, blocking sockets.
pub fn serve_connection(stream: TcpStream, config: &ServerConfig) {
    let _ = stream.set_nodelay(true);
    let (Ok(peer), Ok(local)) = (stream.peer_addr(), stream.local_addr()) else {
        return;
    };
    let Some((server, session)) = Session::start(peer.ip(), config) else {
        return;
    };
    let stream = match &session.acceptor {
        Some(acceptor) if config.implicit_tls => match super::accept_within(stream, acceptor) {
            Ok(s) => s,
            Err(_) => return,
        },
        _ => tls::Stream::plain(stream),
    };
    let mut conn = Threaded {
        conn: Driver::new(stream, server),
        session,
        peer: peer.ip(),
        local: local.ip(),
        listener: None,
    };
    let _ = conn.serve();
}

/// [`serve_connection`] as a tokio task: plaintext, AUTH TLS or implicit
/// TLS, with data connections on tokio sockets.
pub async fn serve_connection_async(stream: tokio::net::TcpStream, config: Arc<ServerConfig>) {
    let _ = stream.set_nodelay(true);
    let (Ok(peer), Ok(local)) = (stream.peer_addr(), stream.local_addr()) else {
        return;
    };
    let Some((server, session)) = Session::start(peer.ip(), &config) else {
        return;
    };
    // The implicit handshake goes through this client's own session
    // cache, so that its data connections can resume it.
    let own = ServerConfig {
        tls: session.acceptor.clone(),
        ..(*config).clone()
    };
    let Ok(stream) = within(HANDSHAKE_TIMEOUT, own.open_async(stream)).await else {
        return; // a failed TLS handshake: nothing to answer
    };
    let mut conn = Tokio {
        conn: AsyncConn::new(stream, server),
        session,
        peer: peer.ip(),
        local: local.ip(),
        listener: None,
    };
    let _ = conn.serve().await;
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

/// What a driver does after an event is answered: the I/O the answer
/// needs, which the session leaves to it.
enum Flow {
    /// Nothing: read the next event.
    Go,
    /// PASV or EPSV: listen on the control connection's local address,
    /// then tell [`Session::listening`].
    Listen { extended: bool },
    /// AUTH TLS was answered `234`: run the handshake.
    StartTls(TlsAcceptor),
    /// A transfer checked and ready: open the data connection, then
    /// [`Session::opened`], [`Session::secure`], move the bytes, and
    /// [`finished`].
    Transfer(Source, DataEndpoint),
}

/// One client's state, whatever the driver: where it is, what it may do;
/// it decides every reply, and what each transfer reads or writes.
struct Session<'a> {
    config: &'a ServerConfig,
    /// The virtual current directory, `/`-separated, from the root.
    cwd: String,
    writable: bool,
    /// This client's TLS acceptor (see `own_session_cache`).
    acceptor: Option<TlsAcceptor>,
}

/// The blocking driver: a thread per connection.
struct Threaded<'a> {
    conn: Driver<Stream, Server>,
    session: Session<'a>,
    peer: IpAddr,
    local: IpAddr,
    listener: Option<TcpListener>,
}

/// The tokio driver: a task per connection.
struct Tokio<'a> {
    conn: AsyncConn,
    session: Session<'a>,
    peer: IpAddr,
    local: IpAddr,
    listener: Option<tokio::net::TcpListener>,
}

impl Threaded<'_> {
    fn serve(&mut self) -> Outcome {
        while let Some(event) = self.conn.next_event()? {
            let flow = self.session.answer(self.conn.machine(), event);
            match flow.map_err(DriveError::Protocol)? {
                Flow::Go => {}
                Flow::Listen { extended } => {
                    let listener = TcpListener::bind((self.local, 0))?;
                    let addr = listener.local_addr()?;
                    self.listener = Some(listener);
                    Session::listening(self.conn.machine(), addr, extended)?;
                }
                Flow::StartTls(acceptor) => self.conn.accept_tls(&acceptor)?,
                Flow::Transfer(source, data) => self.transfer(source, data)?,
            }
        }
        Ok(())
    }

    fn transfer(&mut self, source: Source, data: DataEndpoint) -> Outcome {
        let Ok(tcp) = self.open_data(data) else {
            return finished_as(self.conn.machine(), Err(TransferError::CannotOpen));
        };
        Session::opened(self.conn.machine(), &source)?;
        self.conn.flush()?;
        let ascii = self.conn.machine_ref().transfer_type() == TransferType::Ascii;
        let data = match self.session.secure(self.conn.machine_ref()) {
            None => Some(tls::Stream::plain(tcp)),
            Some(acceptor) => super::accept_within(tcp, acceptor)
                .ok()
                .filter(|data| data.is_resumed()),
        };
        let Some(data) = data else {
            return finished_as(self.conn.machine(), Err(TransferError::TlsFailed));
        };
        let mut stream = ByteStream::new(data, data_machine());
        let result = match source {
            Source::File(file) => send_file(&mut stream, Outgoing::new(file, ascii)),
            Source::Listing(bytes) => stream.write_all(&bytes).and_then(|()| stream.finish()),
            Source::Upload(file) | Source::Unique(file, _) => {
                receive_file(&mut stream, Upload::new(file, ascii))
            }
        };
        drop(stream);
        finished(self.conn.machine(), result)
    }

    fn open_data(&mut self, data: DataEndpoint) -> std::io::Result<TcpStream> {
        let tcp = match data {
            DataEndpoint::Active(addr) => TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?,
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

impl Tokio<'_> {
    async fn serve(&mut self) -> Outcome {
        while let Some(event) = self.conn.next_event().await? {
            let flow = self.session.answer(self.conn.machine(), event);
            match flow.map_err(DriveError::Protocol)? {
                Flow::Go => {}
                Flow::Listen { extended } => {
                    let listener = tokio::net::TcpListener::bind((self.local, 0)).await?;
                    let addr = listener.local_addr()?;
                    self.listener = Some(listener);
                    Session::listening(self.conn.machine(), addr, extended)?;
                }
                Flow::StartTls(acceptor) => {
                    let handshake = self.conn.accept_tls(&acceptor);
                    tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake)
                        .await
                        .map_err(|_| timed_out())??;
                }
                Flow::Transfer(source, data) => self.transfer(source, data).await?,
            }
        }
        Ok(())
    }

    async fn transfer(&mut self, source: Source, data: DataEndpoint) -> Outcome {
        let Ok(tcp) = self.open_data(data).await else {
            return finished_as(self.conn.machine(), Err(TransferError::CannotOpen));
        };
        Session::opened(self.conn.machine(), &source)?;
        self.conn.flush().await?;
        let ascii = self.conn.machine_ref().transfer_type() == TransferType::Ascii;
        let data = match self.session.secure(self.conn.machine_ref()) {
            None => Some(AsyncStream::plain(tcp)),
            Some(acceptor) => within(HANDSHAKE_TIMEOUT, AsyncStream::accept(tcp, acceptor))
                .await
                .ok()
                .filter(|data| data.is_resumed()),
        };
        let Some(data) = data else {
            return finished_as(self.conn.machine(), Err(TransferError::TlsFailed));
        };
        let mut stream = AsyncData::new(data, data_machine());
        let result = match source {
            Source::File(file) => send_file_async(&mut stream, Outgoing::new(file, ascii)).await,
            Source::Listing(bytes) => send_async(&mut stream, &bytes).await,
            Source::Upload(file) | Source::Unique(file, _) => {
                receive_file_async(&mut stream, Upload::new(file, ascii)).await
            }
        };
        drop(stream);
        finished(self.conn.machine(), result)
    }

    async fn open_data(&mut self, data: DataEndpoint) -> std::io::Result<tokio::net::TcpStream> {
        let tcp = match data {
            DataEndpoint::Active(addr) => {
                within(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr)).await?
            }
            DataEndpoint::Passive => {
                let listener = self
                    .listener
                    .take()
                    .ok_or(std::io::ErrorKind::NotConnected)?;
                accept_async(&listener, self.peer).await?
            }
        };
        tcp.set_nodelay(true)?;
        Ok(tcp)
    }
}

/// The machine a data connection runs: a peer that goes silent is
/// dropped, as an idle control one.
fn data_machine() -> Raw {
    let mut raw = sanswire::ftp::data_machine();
    sanswire::wire::Machine::set_timeout(&mut raw, Some(Server::TIMEOUT));
    raw
}

/// The transfer's `226`, or the reply for how it failed.
fn finished(server: &mut Server, result: std::io::Result<()>) -> Outcome {
    finished_as(server, result.map_err(|_| TransferError::Aborted))
}

fn finished_as(server: &mut Server, result: Result<(), TransferError>) -> Outcome {
    server.transfer_done(result).map_err(DriveError::Protocol)
}

fn reply(server: &mut Server, code: u16, text: &str) -> Result<Flow, Error> {
    server.reply(&Reply::new(code, text)).map(|()| Flow::Go)
}

impl<'a> Session<'a> {
    /// The machine and the session for a client at `peer`.
    fn start(peer: IpAddr, config: &'a ServerConfig) -> Option<(Server, Self)> {
        let mut server = Server::new("sanswire FTP server ready.").ok()?;
        server.set_peer(peer);
        server.set_tls_offered(config.tls.is_some());
        let acceptor = config.tls.as_ref().map(own_session_cache);
        if acceptor.is_some() && config.implicit_tls {
            server.set_implicit_tls();
        }
        let session = Session {
            config,
            cwd: "/".into(),
            writable: false,
            acceptor,
        };
        Some((server, session))
    }

    /// Answers one event, or says what I/O its answer needs.
    fn answer(&mut self, server: &mut Server, event: Event) -> Result<Flow, Error> {
        match event {
            Event::Login { user, pass } => {
                let ok = match &self.config.user {
                    Some(_) => self.config.check(&user, &pass),
                    None => {
                        user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp")
                    }
                };
                self.writable = ok && self.config.user.is_some();
                server.accept_login(ok).map(|()| Flow::Go)
            }
            Event::Passive { extended } => Ok(Flow::Listen { extended }),
            Event::Transfer {
                command,
                offset,
                data,
            } => match self.prepare(&command, offset) {
                // Checked before the data connection, as vsftpd does.
                Ok(source) => Ok(Flow::Transfer(source, data)),
                Err((code, text)) => reply(server, code, text),
            },
            Event::Rename { from, to } => {
                if !self.writable {
                    return reply(server, 550, "Permission denied.");
                }
                match (self.resolve(&from), self.resolve_new(&to)) {
                    (Some(f), Some(t)) if fs::rename(&f, &t).is_ok() => {
                        reply(server, 250, "Rename successful.")
                    }
                    _ => reply(server, 550, "Rename failed."),
                }
            }
            Event::Abort => server
                .transfer_done(Err(TransferError::Aborted))
                .map(|()| Flow::Go),
            Event::AuthTls => match self.acceptor.clone() {
                Some(acceptor) => server.accept_tls().map(|()| Flow::StartTls(acceptor)),
                None => reply(server, 502, "TLS is not configured."),
            },
            Event::Command(cmd) => self.command(server, cmd),
            _ => reply(server, 502, "Command not implemented."),
        }
    }

    /// The reply to PASV or EPSV once the listener is at `addr`.
    fn listening(server: &mut Server, addr: SocketAddr, extended: bool) -> Outcome {
        match server.passive_listening(addr) {
            Ok(()) => Ok(()),
            Err(_) if !extended => reply(server, 522, "Use EPSV for IPv6.")
                .map(drop)
                .map_err(DriveError::Protocol),
            Err(e) => Err(DriveError::Protocol(e)),
        }
    }

    /// The `150` once the data connection is open (STOU's names the file).
    fn opened(server: &mut Server, source: &Source) -> Outcome {
        match source {
            Source::Unique(_, name) => server.stou_started(name),
            _ => server.transfer_started(),
        }
        .map_err(DriveError::Protocol)
    }

    /// The acceptor a data connection must be TLS with (PROT P), and
    /// resume this control connection's session through; `None` for
    /// plaintext.
    fn secure(&self, server: &Server) -> Option<&TlsAcceptor> {
        let private = server.data_protection() == DataProtection::Private;
        self.acceptor.as_ref().filter(|_| private)
    }

    fn command(&mut self, server: &mut Server, cmd: Command) -> Result<Flow, Error> {
        match cmd {
            Command::Pwd => server
                .reply_path(&self.cwd, "is the current directory")
                .map(|()| Flow::Go),
            Command::Cwd(path) => self.cwd(server, &path),
            Command::Cdup => self.cwd(server, ".."),
            Command::Size(path) => match self.resolve(&path).and_then(|f| fs::metadata(f).ok()) {
                Some(m) if m.is_file() => reply(server, 213, &m.len().to_string()),
                _ => reply(server, 550, "Could not get file size."),
            },
            Command::Mdtm(path) => match self.resolve(&path).and_then(|f| fs::metadata(f).ok()) {
                Some(m) if m.is_file() => {
                    let t = utc(m.modified().unwrap_or(UNIX_EPOCH));
                    reply(server, 213, &mlsd_time(&t))
                }
                _ => reply(server, 550, "Could not get file modification time."),
            },
            Command::Mlst(path) => {
                let virt = path.unwrap_or_else(|| self.cwd.clone());
                let Some(real) = self.resolve(&virt) else {
                    return reply(server, 550, "No such file or directory.");
                };
                let Ok(meta) = fs::symlink_metadata(&real) else {
                    return reply(server, 550, "No such file or directory.");
                };
                let name = virtual_path(&self.cwd, &virt);
                let mut line = Vec::new();
                write_mlsd(&entry(name.as_bytes(), &meta, &[], false), &mut line);
                let line = String::from_utf8_lossy(&line);
                let answer = Reply::multi(250, "Listing", [line.trim_end()], "End");
                server.reply(&answer).map(|()| Flow::Go)
            }
            Command::Mkd(path) => {
                let target = self.resolve_new(&path).filter(|_| self.writable);
                match target.map(|t| fs::create_dir(&t)) {
                    Some(Ok(())) => {
                        let virt = virtual_path(&self.cwd, &path);
                        server.reply_path(&virt, "created").map(|()| Flow::Go)
                    }
                    _ => reply(server, 550, "Create directory operation failed."),
                }
            }
            Command::Rmd(path) => {
                let target = self.resolve(&path).filter(|_| self.writable);
                match target.map(|t| fs::remove_dir(&t)) {
                    Some(Ok(())) => reply(server, 250, "Remove directory operation successful."),
                    _ => reply(server, 550, "Remove directory operation failed."),
                }
            }
            Command::Dele(path) => {
                let target = self.resolve(&path).filter(|_| self.writable);
                match target.map(|t| fs::remove_file(&t)) {
                    Some(Ok(())) => reply(server, 250, "Delete operation successful."),
                    _ => reply(server, 550, "Delete operation failed."),
                }
            }
            Command::Stat(_) => reply(server, 211, "sanswire FTP server status: OK"),
            Command::Site(_) => reply(server, 500, "SITE not understood."),
            _ => reply(server, 502, "Command not implemented."),
        }
    }

    fn cwd(&mut self, server: &mut Server, path: &str) -> Result<Flow, Error> {
        match self.resolve(path) {
            Some(real) if real.is_dir() => {
                self.cwd = virtual_path(&self.cwd, path);
                reply(server, 250, "Directory successfully changed.")
            }
            _ => reply(server, 550, "Failed to change directory."),
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

    /// What a transfer reads or writes, or the refusal.
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
}

enum Source {
    File(File),
    Upload(Incoming),
    /// STOU: the file and the name it got.
    Unique(Incoming, String),
    Listing(Vec<u8>),
}

/// A download's bytes as they go on the wire: read from the file a chunk
/// at a time, with CRLF line ends in TYPE A.
struct Outgoing {
    file: File,
    buf: Vec<u8>,
    ascii: Option<(AsciiEncoder, Vec<u8>)>,
}

impl Outgoing {
    fn new(file: File, ascii: bool) -> Self {
        Outgoing {
            file,
            buf: vec![0u8; CHUNK],
            ascii: ascii.then(|| (AsciiEncoder::default(), Vec::new())),
        }
    }

    /// The next piece to send; `None` at the end of the file.
    fn next(&mut self) -> std::io::Result<Option<&[u8]>> {
        let n = self.file.read(&mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        Ok(Some(match &mut self.ascii {
            Some((encoder, converted)) => {
                converted.clear();
                encoder.encode(&self.buf[..n], converted);
                converted
            }
            None => &self.buf[..n],
        }))
    }
}

/// An upload's bytes as they land in the file, bare LF line ends in
/// TYPE A.
struct Upload {
    file: Incoming,
    ascii: Option<(AsciiDecoder, Vec<u8>)>,
}

impl Upload {
    fn new(file: Incoming, ascii: bool) -> Self {
        Upload {
            file,
            ascii: ascii.then(|| (AsciiDecoder::default(), Vec::new())),
        }
    }

    fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        match &mut self.ascii {
            Some((decoder, converted)) => {
                converted.clear();
                decoder.decode(chunk, converted);
                self.file.write_all(converted)
            }
            None => self.file.write_all(chunk),
        }
    }

    /// The whole upload on disk and under its name (before the 226).
    fn commit(mut self) -> std::io::Result<()> {
        if let Some((decoder, converted)) = &mut self.ascii {
            converted.clear();
            decoder.finish(converted);
            self.file.write_all(converted)?;
        }
        self.file.commit()
    }
}

fn send_file(stream: &mut ByteStream<Stream, Raw>, mut file: Outgoing) -> std::io::Result<()> {
    while let Some(piece) = file.next()? {
        stream.write_all(piece)?;
    }
    stream.finish()
}

fn receive_file(stream: &mut ByteStream<Stream, Raw>, mut file: Upload) -> std::io::Result<()> {
    while let Some(chunk) = stream.next_chunk()? {
        file.write(&chunk)?;
    }
    file.commit()
}

async fn send_file_async(stream: &mut AsyncData, mut file: Outgoing) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    while let Some(piece) = file.next()? {
        stream.write_all(piece).await?;
    }
    stream.finish().await
}

async fn send_async(stream: &mut AsyncData, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    stream.write_all(bytes).await?;
    stream.finish().await
}

async fn receive_file_async(stream: &mut AsyncData, mut file: Upload) -> std::io::Result<()> {
    while let Some(chunk) = stream.next_chunk().await? {
        file.write(&chunk)?;
    }
    // The fsyncs can take a while on a real disk: off the task's thread,
    // so the other connections go on meanwhile.
    tokio::task::spawn_blocking(move || file.commit())
        .await
        .map_err(std::io::Error::other)?
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

/// [`accept`] on tokio.
async fn accept_async(
    listener: &tokio::net::TcpListener,
    peer: IpAddr,
) -> std::io::Result<tokio::net::TcpStream> {
    let from_peer = async {
        loop {
            let (tcp, from) = listener.accept().await?;
            if from.ip() == peer {
                return Ok(tcp);
            }
        }
    };
    within(ACCEPT_TIMEOUT, from_peer).await
}

/// `io` if it is done within `limit`, else a `TimedOut` error.
async fn within<T>(
    limit: Duration,
    io: impl std::future::Future<Output = std::io::Result<T>>,
) -> std::io::Result<T> {
    tokio::time::timeout(limit, io)
        .await
        .map_err(|_| timed_out())?
}

fn timed_out() -> std::io::Error {
    std::io::ErrorKind::TimedOut.into()
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
