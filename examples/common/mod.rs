//! Code the examples share: the small servers behind `serve` and `tour`.
#![allow(dead_code)]

pub mod ftp_server;
pub mod gopher_server;
pub mod http_server;
pub mod imap_server;
pub mod nntp_server;
pub mod pop3_server;
pub mod smtp_server;
pub mod telnet_server;

use sanswire::io::tls::{self, TlsAcceptor};
use sanswire::io::{DriveError, Driver};
use sanswire::wire::{Machine, Transport};
use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// What every small server is told on its command line.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The folder served (HTTP files, maildir, ...).
    pub root: PathBuf,
    /// `USER:PASS` that authenticates, when given.
    pub user: Option<(String, String)>,
    /// The certificate and key for TLS (STARTTLS, or implicit TLS).
    pub tls: Option<TlsAcceptor>,
    /// TLS from the first byte (https, smtps, pop3s) instead of STARTTLS.
    pub implicit_tls: bool,
}

impl ServerConfig {
    /// Whether `user`/`pass` match the configured credentials.
    pub fn check(&self, user: &str, pass: &str) -> bool {
        matches!(&self.user, Some((u, p)) if u == user && p == pass)
    }
}

impl ServerConfig {
    /// The connection's stream: TLS from the first byte when implicit TLS
    /// is configured (the handshake runs here), else plaintext that a
    /// handler may upgrade with `Driver::accept_tls` on STARTTLS.
    pub fn open(&self, stream: TcpStream) -> std::io::Result<tls::Stream<TcpStream>> {
        match (&self.tls, self.implicit_tls) {
            (Some(acceptor), true) => accept_within(stream, acceptor),
            _ => Ok(tls::Stream::plain(stream)),
        }
    }
}

/// Implicit TLS on a thread's connection, within [`HANDSHAKE_TIMEOUT`]: a
/// client that connects and says nothing holds the thread no longer. The
/// read timeout is cleared after, for the driver to set its own.
pub fn accept_within(
    stream: TcpStream,
    acceptor: &TlsAcceptor,
) -> std::io::Result<tls::Stream<TcpStream>> {
    stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
    let mut tls = tls::Stream::accept(stream, acceptor)?;
    sanswire::io::Socket::set_read_timeout(&mut tls, None)?;
    Ok(tls)
}

/// A connection's stream on tokio: plaintext until a STARTTLS upgrade,
/// or TLS from the first byte (see [`ServerConfig::open_async`]).
pub type AsyncStream = tls::tokio::Stream<tokio::net::TcpStream>;

impl ServerConfig {
    /// [`open`](Self::open) on tokio: the handshake runs here when
    /// implicit TLS is configured (within [`HANDSHAKE_TIMEOUT`]), else the
    /// stream starts as plaintext.
    pub async fn open_async(&self, stream: tokio::net::TcpStream) -> std::io::Result<AsyncStream> {
        match (&self.tls, self.implicit_tls) {
            (Some(acceptor), true) => {
                tokio::time::timeout(HANDSHAKE_TIMEOUT, AsyncStream::accept(stream, acceptor))
                    .await
                    .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))?
            }
            _ => Ok(AsyncStream::plain(stream)),
        }
    }
}

/// Splits `USER:PASS`.
pub fn split_user(s: &str) -> Option<(String, String)> {
    let (u, p) = s.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// One connection handler per protocol.
pub type Handler = fn(TcpStream, &ServerConfig);

/// The handler for a protocol name, if it exists.
pub fn handler(protocol: &str) -> Option<Handler> {
    match protocol {
        "gopher" => Some(gopher_server::serve_connection),
        "ftp" => Some(ftp_server::serve_connection),
        "http" => Some(http_server::serve_connection),
        "nntp" => Some(nntp_server::serve_connection),
        "imap" => Some(imap_server::serve_connection),
        "pop3" => Some(pop3_server::serve_connection),
        "smtp" => Some(smtp_server::serve_connection),
        "telnet" => Some(telnet_server::serve_connection),
        _ => None,
    }
}

/// Binds `addr` and serves every connection on its own thread, forever.
/// Returns the bound address at once.
pub fn spawn(listen: &str, handler: Handler, config: ServerConfig) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(listen)?;
    let addr = listener.local_addr()?;
    let config = Arc::new(config);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            std::thread::spawn(move || handler(stream, &config));
        }
    });
    Ok(addr)
}

/// What a handler needs of its connection, threaded or on tokio,
/// plaintext or TLS: the machine, whether TLS is on, and the in-band TLS
/// handshake. The per-event answer code is written once against it and
/// serves both ways.
pub trait Link<M: Machine> {
    /// The machine.
    fn server(&mut self) -> &mut M;
    /// Whether the connection is TLS now.
    fn is_tls(&mut self) -> bool;
    /// The handshake after the machine's STARTTLS go-ahead. Threaded, it
    /// runs here; on tokio it cannot (the answer code is not async), so
    /// it runs before the next read, in [`next_event`]: nothing may be
    /// queued after this call in either case (the machine refuses it).
    fn accept_tls(&mut self, acceptor: &TlsAcceptor) -> Result<(), DriveError<M::Error>>;
}

impl<M: Machine> Link<M> for Driver<tls::Stream<TcpStream>, M> {
    fn server(&mut self) -> &mut M {
        self.machine()
    }
    fn is_tls(&mut self) -> bool {
        self.stream().is_tls()
    }
    fn accept_tls(&mut self, acceptor: &TlsAcceptor) -> Result<(), DriveError<M::Error>> {
        Driver::accept_tls(self, acceptor)
    }
}

/// A connection on tokio: the async driver over [`AsyncStream`]
/// (plaintext, upgraded by STARTTLS, or TLS from the first byte).
pub type AsyncConn<M> = sanswire::io::tokio::Driver<AsyncStream, M>;

impl<M: Machine> Link<M> for AsyncConn<M> {
    fn server(&mut self) -> &mut M {
        self.machine()
    }
    fn is_tls(&mut self) -> bool {
        self.stream().is_tls()
    }
    /// Checks that the upgrade may happen now (the go-ahead was queued,
    /// no plaintext waits behind it); [`next_event`] runs the handshake.
    fn accept_tls(&mut self, _: &TlsAcceptor) -> Result<(), DriveError<M::Error>> {
        sanswire::io::check_upgrade(self.machine())
    }
}

/// How long a TLS handshake may take (implicit TLS or STARTTLS) before
/// the connection is dropped: a client that connects and says nothing
/// holds a task no longer than this.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the close of a tokio connection may take (the last words
/// and TLS `close_notify` to a peer that does not read).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// The next event of a tokio connection: first the STARTTLS handshake
/// when the answer to the last event gave the go-ahead
/// ([`Link::accept_tls`]), then the driver's `next_event`.
pub async fn next_event<M: Machine>(
    conn: &mut AsyncConn<M>,
    config: &ServerConfig,
) -> Result<Option<M::Event>, DriveError<M::Error>> {
    if conn.machine().transport() == Transport::StartTls {
        let acceptor = config
            .tls
            .as_ref()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::Unsupported))?;
        tokio::time::timeout(HANDSHAKE_TIMEOUT, conn.accept_tls(acceptor))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    }
    conn.next_event().await
}

/// Ends a tokio connection: what the machine queued (its last words), TLS
/// `close_notify`, and the close of the sending side, within a bound.
pub async fn finish<M: Machine>(conn: &mut AsyncConn<M>) {
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, conn.shutdown()).await;
}

/// A connection handler on tokio: one task per connection.
pub type AsyncHandler =
    fn(tokio::net::TcpStream, Arc<ServerConfig>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// The tokio handler for a protocol, where there is one (`serve` uses it,
/// plaintext and TLS alike, before the threaded [`handler`]).
pub fn async_handler(protocol: &str) -> Option<AsyncHandler> {
    match protocol {
        "nntp" => Some(|s, c| Box::pin(nntp_server::serve_connection_async(s, c))),
        "gopher" => Some(|s, c| Box::pin(gopher_server::serve_connection_async(s, c))),
        "telnet" => Some(|s, c| Box::pin(telnet_server::serve_connection_async(s, c))),
        "http" => Some(|s, c| Box::pin(http_server::serve_connection_async(s, c))),
        "smtp" => Some(|s, c| Box::pin(smtp_server::serve_connection_async(s, c))),
        "pop3" => Some(|s, c| Box::pin(pop3_server::serve_connection_async(s, c))),
        "imap" => Some(|s, c| Box::pin(imap_server::serve_connection_async(s, c))),
        "ftp" => Some(|s, c| Box::pin(ftp_server::serve_connection_async(s, c))),
        _ => None,
    }
}

/// Binds `addr` and serves every connection as a task of a tokio runtime
/// (thousands of connections cost memory, not threads), on a thread of
/// its own. Returns the bound address at once.
pub fn spawn_async(
    listen: &str,
    handler: AsyncHandler,
    config: ServerConfig,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(listen)?;
    let addr = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let config = Arc::new(config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a bound listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    // Out of descriptors, say: wait a little, go on.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                tokio::spawn(handler(stream, Arc::clone(&config)));
            }
        });
    });
    Ok(addr)
}

/// A file being received (an upload, a posted article, an appended
/// message), written under a temporary dot-name beside its final one and
/// put in place only by [`commit`](Self::commit), after an fsync, before
/// the server acknowledges: a crash or a lost connection never leaves
/// part of a file under the final name (Postfix's rule). Dropped without
/// a commit, the temporary file is removed.
#[derive(Debug)]
pub struct Incoming {
    file: std::fs::File,
    /// The temporary name, while the file is not in place.
    tmp: Option<PathBuf>,
    path: PathBuf,
}

impl Incoming {
    /// A new file for `path`, under a temporary name in the same folder
    /// (so the rename is atomic).
    pub fn create(path: &std::path::Path) -> std::io::Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_file_name(format!(".{name}.part-{}-{n}", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        Ok(Incoming {
            file,
            tmp: Some(tmp),
            path: path.to_path_buf(),
        })
    }

    /// An existing file written where it is: a resumed or appended
    /// upload, whose point is the part already there. `commit` fsyncs it.
    pub fn in_place(file: std::fs::File, path: &std::path::Path) -> Self {
        Incoming {
            file,
            tmp: None,
            path: path.to_path_buf(),
        }
    }

    /// Flushes the data to disk and renames the file into place (then
    /// fsyncs the folder, so the new name survives a crash too).
    pub fn commit(mut self) -> std::io::Result<()> {
        fsync(&self.file)?;
        if let Some(tmp) = self.tmp.take() {
            if let Err(e) = std::fs::rename(&tmp, &self.path) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            sync_dir(&self.path)?;
        }
        Ok(())
    }
}

impl std::io::Write for Incoming {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Writes `content` as `path` through an [`Incoming`] file: whole or not
/// at all.
pub fn write_atomically(path: &std::path::Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = Incoming::create(path)?;
    file.write_all(content)?;
    file.commit()
}

/// Writes `content` to `path` and fsyncs it (a maildir's `tmp/` file,
/// renamed into `cur/` by the caller, then [`sync_dir`]).
pub fn write_synced(path: &std::path::Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(content)?;
    fsync(&file)
}

/// Fsyncs the folder holding `path`, so a rename into it is on disk.
pub fn sync_dir(path: &std::path::Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) => fsync(&std::fs::File::open(dir)?),
        None => Ok(()),
    }
}

/// Flushes `file` to disk. On a worker of tokio's multi-threaded runtime
/// (where `serve` runs every connection) the wait is announced first
/// (`block_in_place`), so the runtime moves the other connections' tasks
/// to another thread while the disk works, instead of stalling them
/// behind one fsync; anywhere else it is a plain `sync_all`.
pub fn fsync(file: &std::fs::File) -> std::io::Result<()> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| file.sync_all())
        }
        _ => file.sync_all(),
    }
}
