//! TLS with rustls (feature `rustls`): implicit TLS (https 443, smtps 465,
//! pop3s 995, ...) and the in-band upgrade (STARTTLS, STLS, AUTH TLS), for
//! every machine of the crate.
//!
//! # Configuration
//!
//! - [`TlsConnector`] (client side) verifies certificates by default against
//!   Mozilla's roots ([`TlsConnector::new`]), or against the CAs of a PEM
//!   file only ([`TlsConnector::with_ca_file`], curl's `--cacert`).
//!   Skipping verification takes an explicit, clearly named call:
//!   [`TlsConnector::dangerous_accept_any_certificate`].
//! - [`TlsAcceptor`] (server side) holds a certificate chain and its key
//!   ([`TlsAcceptor::from_pem_files`]).
//!
//! Both wrap an `Arc` of the rustls configuration and clone cheaply. The
//! crypto provider is always rustls's `ring`, chosen explicitly, so no
//! process-wide default provider has to be installed.
//!
//! # One stream type, plaintext or TLS
//!
//! [`Stream`] carries plaintext until it is upgraded, then TLS, so a driver
//! keeps one type for the whole connection: `Driver<tls::Stream<TcpStream>,
//! M>`. For implicit TLS, build it with [`Stream::connect`] or
//! [`Stream::accept`], which run the handshake at once; for plaintext, with
//! [`Stream::plain`].
//!
//! # The upgrade point
//!
//! When a machine reports [`Transport::StartTls`](crate::wire::Transport)
//! (after the server's go-ahead), the driver's [`Driver::start_tls`]
//! (client) or [`Driver::accept_tls`] (server, after it queued the go-ahead)
//! writes what is queued, checks with [`check_upgrade`]
//! that the machine asked for TLS and that no plaintext waits unread behind
//! the go-ahead, runs the handshake on the same connection, and calls
//! [`Machine::tls_established`]. Written once, generic over the machine, so
//! SMTP, POP3, IMAP, NNTP and FTP need no driver code of their own. The
//! async twin is written once in `nonblocking`, for every async I/O family;
//! `tokio::Stream` and `futures::Stream` name it for tokio-rustls and
//! futures-rustls (features `tokio-rustls`, `futures-rustls`).
//!
//! ```no_run
//! use sanswire::io::{tls, Driver};
//! use sanswire::pop3::{self, Event};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let tcp = std::net::TcpStream::connect("mail.example.org:110")?;
//! let mut pop = Driver::new(tls::Stream::plain(tcp), pop3::Client::new());
//! pop.next_event()?; // the greeting
//! pop.machine().stls()?;
//! pop.next_event()?; // +OK: the machine now reports Transport::StartTls
//! pop.start_tls(&tls::TlsConnector::new(), "mail.example.org")?;
//! assert!(pop.stream().is_tls());
//! # Ok(()) }
//! ```
//!
//! # Session resumption (FTP data connections)
//!
//! Every connection made with clones of one [`TlsConnector`] shares one
//! `Arc<ClientConfig>` and so one session cache (rustls keeps the last
//! sessions per server name in memory). An FTP client that upgrades its
//! control connection with `AUTH TLS` and then opens each data connection
//! with the same connector and the same server name resumes the control
//! connection's session, which servers such as vsftpd
//! (`require_ssl_reuse`) demand. On the server side, one [`TlsAcceptor`]
//! likewise keeps one session store for all its connections.

#[cfg(feature = "futures-rustls")]
pub mod futures;
#[cfg(any(feature = "tokio-rustls", feature = "futures-rustls"))]
pub mod nonblocking;
#[cfg(feature = "tokio-rustls")]
pub mod tokio;

use super::{check_upgrade, DriveError, Driver, Socket};
use crate::wire::Machine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, ServerConfig,
    ServerConnection, SignatureScheme, StreamOwned,
};
use std::boxed::Box;
use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::path::{Path, PathBuf};
use std::string::ToString;
use std::sync::Arc;
use std::vec::Vec;

pub use rustls;

/// Why a TLS configuration could not be built.
#[derive(Debug)]
pub enum TlsConfigError {
    /// A PEM file could not be read or parsed.
    Pem {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: rustls::pki_types::pem::Error,
    },
    /// A PEM file held no certificate (or no private key) where one was
    /// needed.
    Missing {
        /// The file.
        path: PathBuf,
        /// What was missing: `"certificate"` or `"private key"`.
        what: &'static str,
    },
    /// rustls refused the configuration (a certificate it cannot parse, a
    /// key that does not match, ...).
    Rustls(rustls::Error),
}

impl fmt::Display for TlsConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsConfigError::Pem { path, error } => write!(f, "{}: {error}", path.display()),
            TlsConfigError::Missing { path, what } => {
                write!(f, "{}: no {what} found", path.display())
            }
            TlsConfigError::Rustls(e) => write!(f, "TLS configuration: {e}"),
        }
    }
}

impl std::error::Error for TlsConfigError {}

impl From<rustls::Error> for TlsConfigError {
    fn from(e: rustls::Error) -> Self {
        TlsConfigError::Rustls(e)
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// The certificates of a PEM file (every `CERTIFICATE` block).
pub fn load_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let pem_error = |error| TlsConfigError::Pem {
        path: path.to_path_buf(),
        error,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(pem_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem_error)?;
    if certs.is_empty() {
        return Err(TlsConfigError::Missing {
            path: path.to_path_buf(),
            what: "certificate",
        });
    }
    Ok(certs)
}

/// The first private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsConfigError> {
    PrivateKeyDer::from_pem_file(path).map_err(|error| match error {
        rustls::pki_types::pem::Error::NoItemsFound => TlsConfigError::Missing {
            path: path.to_path_buf(),
            what: "private key",
        },
        error => TlsConfigError::Pem {
            path: path.to_path_buf(),
            error,
        },
    })
}

/// Parses a host name or IP address for certificate verification and SNI.
pub fn server_name(host: &str) -> io::Result<ServerName<'static>> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_string()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            std::format!("invalid TLS server name {host:?}: {e}"),
        )
    })
}

/// The client side of TLS: how to verify servers, shared by every
/// connection made with it (and its clones).
///
/// ```
/// use sanswire::io::tls::TlsConnector;
/// let connector = TlsConnector::new().with_alpn(&[b"http/1.1"]);
/// assert_eq!(connector.config().alpn_protocols, vec![b"http/1.1".to_vec()]);
/// ```
#[derive(Debug, Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl Default for TlsConnector {
    fn default() -> Self {
        Self::new()
    }
}

impl TlsConnector {
    /// Verifies servers against Mozilla's root certificates (webpki-roots).
    pub fn new() -> Self {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        Self::with_roots(roots)
    }

    /// Verifies servers against these roots only.
    pub fn with_roots(roots: RootCertStore) -> Self {
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Self::from_config(Arc::new(config))
    }

    /// Verifies servers against the CA certificates of a PEM file only (as
    /// curl's `--cacert` does: the default roots are not consulted).
    pub fn with_ca_file(path: impl AsRef<Path>) -> Result<Self, TlsConfigError> {
        let mut roots = RootCertStore::empty();
        for cert in load_certificates(path.as_ref())? {
            roots.add(cert)?;
        }
        Ok(Self::with_roots(roots))
    }

    /// **Accepts any certificate from any server**: the connection is
    /// encrypted but not authenticated, so anyone on the path can read and
    /// change it. For tests and curl's `-k` only; never a default. The
    /// handshake signatures are still checked against the certificate
    /// presented.
    pub fn dangerous_accept_any_certificate() -> Self {
        let provider = provider();
        let verifier = Arc::new(AcceptAnyCertificate(Arc::clone(&provider)));
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Self::from_config(Arc::new(config))
    }

    /// Uses a rustls configuration built elsewhere.
    pub fn from_config(config: Arc<ClientConfig>) -> Self {
        TlsConnector { config }
    }

    /// Offers these ALPN protocols (`b"http/1.1"` for HTTPS). Call before
    /// the connector is shared: it copies the configuration (the session
    /// cache stays shared).
    pub fn with_alpn(mut self, protocols: &[&[u8]]) -> Self {
        let config = Arc::make_mut(&mut self.config);
        config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
        self
    }

    /// The rustls configuration, shared by every connection of this
    /// connector (and so its session cache).
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    fn client(&self, host: &str) -> io::Result<ClientConnection> {
        ClientConnection::new(Arc::clone(&self.config), server_name(host)?)
            .map_err(io::Error::other)
    }
}

/// The server side of TLS: a certificate chain and its key.
#[derive(Debug, Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl TlsAcceptor {
    /// Reads the certificate chain (leaf first) and the private key from
    /// PEM files (they may be the same file).
    pub fn from_pem_files(
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, TlsConfigError> {
        let certs = load_certificates(cert.as_ref())?;
        let key = load_private_key(key.as_ref())?;
        Self::from_der(certs, key)
    }

    /// A certificate chain (leaf first) and its private key.
    pub fn from_der(
        certs: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, TlsConfigError> {
        let config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)?;
        Ok(Self::from_config(Arc::new(config)))
    }

    /// Uses a rustls configuration built elsewhere.
    pub fn from_config(config: Arc<ServerConfig>) -> Self {
        TlsAcceptor { config }
    }

    /// Accepts these ALPN protocols, in order of preference.
    pub fn with_alpn(mut self, protocols: &[&[u8]]) -> Self {
        let config = Arc::make_mut(&mut self.config);
        config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
        self
    }

    /// The rustls configuration.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    fn server(&self) -> io::Result<ServerConnection> {
        ServerConnection::new(Arc::clone(&self.config)).map_err(io::Error::other)
    }
}

/// The verifier behind [`TlsConnector::dangerous_accept_any_certificate`].
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A blocking stream that carries plaintext until it is upgraded, then TLS
/// (either side). Implements `Read + Write`, with vectored writes.
pub struct Stream<S: Read + Write> {
    inner: Inner<S>,
    /// A client stream's connector and server name, so that another
    /// connection can resume its session ([`connect_like`](Self::connect_like)).
    origin: Option<Box<Origin>>,
}

/// How a client TLS stream was made: its connector (and so its session
/// cache) and the server name its sessions are filed under.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub(crate) connector: TlsConnector,
    pub(crate) host: std::string::String,
}

enum Inner<S: Read + Write> {
    Plain(S),
    Client(Box<StreamOwned<ClientConnection, S>>),
    Server(Box<StreamOwned<ServerConnection, S>>),
    /// A handshake failed half-way: the connection is unusable.
    Broken,
}

impl<S: Read + Write + fmt::Debug> fmt::Debug for Stream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner {
            Inner::Plain(_) => "plain",
            Inner::Client(_) => "tls-client",
            Inner::Server(_) => "tls-server",
            Inner::Broken => "broken",
        };
        f.debug_struct("Stream")
            .field("kind", &kind)
            .field("io", &self.get_ref())
            .finish()
    }
}

pub(crate) fn broken() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "TLS handshake failed earlier")
}

/// Runs a rustls handshake to its end, so certificate errors surface here
/// rather than at the first read.
fn handshake<C, D, T: Read + Write>(conn: &mut C, io: &mut T) -> io::Result<()>
where
    C: core::ops::DerefMut<Target = rustls::ConnectionCommon<D>>,
    D: rustls::SideData,
{
    while conn.is_handshaking() {
        conn.complete_io(io)?;
    }
    // The last flight (a client's Finished) may still be queued.
    while conn.wants_write() {
        conn.write_tls(io)?;
    }
    io.flush()
}

impl<S: Read + Write> Stream<S> {
    /// A plaintext stream (it may be upgraded later).
    pub fn plain(io: S) -> Self {
        Stream {
            inner: Inner::Plain(io),
            origin: None,
        }
    }

    /// Implicit TLS, client side: runs the handshake now and verifies the
    /// server's certificate for `host`.
    pub fn connect(io: S, connector: &TlsConnector, host: &str) -> io::Result<Self> {
        let mut conn = connector.client(host)?;
        let mut io = io;
        handshake(&mut conn, &mut io)?;
        Ok(Stream {
            inner: Inner::Client(Box::new(StreamOwned::new(conn, io))),
            origin: Some(Box::new(Origin {
                connector: connector.clone(),
                host: host.to_string(),
            })),
        })
    }

    /// A new client TLS connection over `io` to the same server, with the
    /// same connector and server name as this client stream, so that it
    /// resumes this stream's session (FTP data connections under PROT P:
    /// vsftpd's `require_ssl_reuse`). Read from this stream at least once
    /// after its handshake first: TLS 1.3 session tickets arrive after
    /// it. Fails on a stream that is not a TLS client.
    pub fn connect_like<T: Read + Write>(&self, io: T) -> io::Result<Stream<T>> {
        match &self.origin {
            Some(o) if self.is_tls() => Stream::connect(io, &o.connector, &o.host),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a TLS client stream: nothing to resume",
            )),
        }
    }

    /// Implicit TLS, server side: runs the handshake now.
    ///
    /// The handshake reads with `io`'s own read timeout: set one first
    /// (`TcpStream::set_read_timeout`), or a client that connects and says
    /// nothing holds the call for ever. (The drivers' in-band
    /// [`Driver::start_tls`] and [`Driver::accept_tls`] bound their
    /// handshake with the machine's silence limit themselves.)
    pub fn accept(io: S, acceptor: &TlsAcceptor) -> io::Result<Self> {
        Self::accept_with(io, acceptor, |_| {})
    }

    /// Like [`accept`](Self::accept), with `hook` run on the connection
    /// before the handshake: the place to attach resumption data
    /// (`ServerConnection::set_resumption_data`), so that an FTP server
    /// can tell, from `received_resumption_data` on a data connection,
    /// which control session it resumed.
    pub fn accept_with(
        io: S,
        acceptor: &TlsAcceptor,
        hook: impl FnOnce(&mut ServerConnection),
    ) -> io::Result<Self> {
        let mut conn = acceptor.server()?;
        hook(&mut conn);
        let mut io = io;
        handshake(&mut conn, &mut io)?;
        Ok(Stream {
            inner: Inner::Server(Box::new(StreamOwned::new(conn, io))),
            origin: None,
        })
    }

    /// Upgrades a plaintext stream in place, client side. Prefer
    /// [`Driver::start_tls`], which also checks the machine.
    pub fn upgrade_client(&mut self, connector: &TlsConnector, host: &str) -> io::Result<()> {
        match core::mem::replace(&mut self.inner, Inner::Broken) {
            Inner::Plain(io) => {
                *self = Stream::connect(io, connector, host)?;
                Ok(())
            }
            other => {
                self.inner = other;
                Err(already_tls())
            }
        }
    }

    /// Upgrades a plaintext stream in place, server side. Prefer
    /// [`Driver::accept_tls`], which also checks the machine.
    pub fn upgrade_server(&mut self, acceptor: &TlsAcceptor) -> io::Result<()> {
        self.upgrade_server_with(acceptor, |_| {})
    }

    /// Like [`upgrade_server`](Self::upgrade_server), with `hook` run on
    /// the connection before the handshake.
    pub fn upgrade_server_with(
        &mut self,
        acceptor: &TlsAcceptor,
        hook: impl FnOnce(&mut ServerConnection),
    ) -> io::Result<()> {
        match core::mem::replace(&mut self.inner, Inner::Broken) {
            Inner::Plain(io) => {
                *self = Stream::accept_with(io, acceptor, hook)?;
                Ok(())
            }
            other => {
                self.inner = other;
                Err(already_tls())
            }
        }
    }

    /// Whether the handshake resumed an earlier session (TLS 1.3 ticket or
    /// TLS 1.2 session id); `false` on plaintext. FTP servers such as
    /// vsftpd (`require_ssl_reuse`) demand it of data connections.
    pub fn is_resumed(&self) -> bool {
        let kind = match &self.inner {
            Inner::Client(s) => s.conn.handshake_kind(),
            Inner::Server(s) => s.conn.handshake_kind(),
            _ => None,
        };
        kind == Some(rustls::HandshakeKind::Resumed)
    }

    /// Whether TLS is established.
    pub fn is_tls(&self) -> bool {
        matches!(self.inner, Inner::Client(_) | Inner::Server(_))
    }

    /// The client-side TLS connection (peer certificates, ALPN, version).
    pub fn client_connection(&self) -> Option<&ClientConnection> {
        match &self.inner {
            Inner::Client(s) => Some(&s.conn),
            _ => None,
        }
    }

    /// The server-side TLS connection (SNI, ALPN, version).
    pub fn server_connection(&self) -> Option<&ServerConnection> {
        match &self.inner {
            Inner::Server(s) => Some(&s.conn),
            _ => None,
        }
    }

    /// The stream underneath (for timeouts and socket options); `None`
    /// after a failed handshake.
    pub fn get_ref(&self) -> Option<&S> {
        match &self.inner {
            Inner::Plain(io) => Some(io),
            Inner::Client(s) => Some(&s.sock),
            Inner::Server(s) => Some(&s.sock),
            Inner::Broken => None,
        }
    }

    /// The stream underneath, mutably.
    pub fn get_mut(&mut self) -> Option<&mut S> {
        match &mut self.inner {
            Inner::Plain(io) => Some(io),
            Inner::Client(s) => Some(&mut s.sock),
            Inner::Server(s) => Some(&mut s.sock),
            Inner::Broken => None,
        }
    }

    /// Tells the peer that nothing more will be sent (TLS `close_notify`),
    /// so it can tell a complete transfer from a cut connection. Does
    /// nothing on plaintext.
    pub fn close_notify(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Client(s) => {
                s.conn.send_close_notify();
                s.flush()
            }
            Inner::Server(s) => {
                s.conn.send_close_notify();
                s.flush()
            }
            _ => Ok(()),
        }
    }
}

pub(crate) fn already_tls() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "TLS is already established")
}

impl<S: Read + Write> Read for Stream<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Plain(io) => io.read(buf),
            Inner::Client(s) => s.read(buf),
            Inner::Server(s) => s.read(buf),
            Inner::Broken => Err(broken()),
        }
    }
}

impl<S: Read + Write> Write for Stream<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        // StreamOwned has no vectored write of its own; rustls::Stream does,
        // and turns a whole outbox (head, body, chunk framing) into as few
        // records as fit.
        match &mut self.inner {
            Inner::Plain(io) => io.write_vectored(bufs),
            Inner::Client(s) => rustls::Stream::new(&mut s.conn, &mut s.sock).write_vectored(bufs),
            Inner::Server(s) => rustls::Stream::new(&mut s.conn, &mut s.sock).write_vectored(bufs),
            Inner::Broken => Err(broken()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(io) => io.flush(),
            Inner::Client(s) => s.flush(),
            Inner::Server(s) => s.flush(),
            Inner::Broken => Err(broken()),
        }
    }
}

/// A TLS stream times out and half-closes as the stream under it does;
/// its half-close sends `close_notify` first, so the peer can tell a
/// complete transfer from a cut connection.
impl<S: Socket> Socket for Stream<S> {
    fn set_read_timeout(&mut self, timeout: Option<core::time::Duration>) -> io::Result<()> {
        match self.get_mut() {
            Some(io) => io.set_read_timeout(timeout),
            None => Err(broken()),
        }
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        self.close_notify()?;
        match self.get_mut() {
            Some(io) => io.shutdown_write(),
            None => Err(broken()),
        }
    }
}

impl<S: Socket, M: Machine> Driver<Stream<S>, M> {
    /// The client side of the in-band upgrade: once the machine reports
    /// [`Transport::StartTls`](crate::wire::Transport) (the server's
    /// go-ahead came), writes what is queued, refuses if plaintext waits
    /// unread ([`UpgradeRefused`](super::UpgradeRefused)), runs the
    /// handshake for `host` and tells the machine
    /// ([`Machine::tls_established`]). The handshake may take as long as
    /// the machine's silence limit ([`Conn::timeout`](crate::wire::Conn::timeout))
    /// or the time limit, whichever ends first; a peer that goes quiet in
    /// it ends it with an I/O error (`WouldBlock` or `TimedOut`).
    pub fn start_tls(
        &mut self,
        connector: &TlsConnector,
        host: &str,
    ) -> Result<(), DriveError<M::Error>> {
        self.flush()?;
        check_upgrade(self.machine())?;
        self.arm_handshake()?;
        self.stream().upgrade_client(connector, host)?;
        self.machine().tls_established();
        Ok(())
    }

    /// The server side of the in-band upgrade: after the machine queued
    /// its go-ahead and reports `StartTls`, writes the go-ahead, refuses if
    /// the client pipelined plaintext behind its command, runs the
    /// handshake and tells the machine. The handshake is bounded as in
    /// [`start_tls`](Self::start_tls).
    pub fn accept_tls(&mut self, acceptor: &TlsAcceptor) -> Result<(), DriveError<M::Error>> {
        self.accept_tls_with(acceptor, |_| {})
    }

    /// Like [`accept_tls`](Self::accept_tls), with `hook` run on the
    /// connection before the handshake: an FTP server attaches its control
    /// session's identity here (`set_resumption_data`) and checks it on
    /// each data connection.
    pub fn accept_tls_with(
        &mut self,
        acceptor: &TlsAcceptor,
        hook: impl FnOnce(&mut ServerConnection),
    ) -> Result<(), DriveError<M::Error>> {
        self.flush()?;
        check_upgrade(self.machine())?;
        self.arm_handshake()?;
        self.stream().upgrade_server_with(acceptor, hook)?;
        self.machine().tls_established();
        Ok(())
    }
}
