//! TLS for the async driver, written once for every async I/O family: the
//! twin of the blocking [`Stream`](super::Stream) and upgrade methods.
//!
//! The rustls binding of each family (tokio-rustls, futures-rustls) is
//! reached only through [`AsyncTls`]; everything else (the plaintext/TLS
//! state, the in-place upgrade, the driver's `start_tls`/`accept_tls`) is
//! here. `io::tls::tokio::Stream` and `io::tls::futures::Stream` are this
//! [`Stream`] with the family filled in.

use super::{already_tls, broken, server_name, Origin, TlsAcceptor, TlsConnector};
use crate::io::nonblocking::{bounded, AsyncIo, Driver};
use crate::io::{check_upgrade, DriveError};
use crate::wire::Machine;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use std::boxed::Box;
use std::fmt;
use std::io::{self, IoSlice};
use std::sync::Arc;

/// An async I/O family's rustls binding, for streams `S`: how to run a
/// handshake and what the TLS streams it yields are made of.
pub trait AsyncTls<S>: Sized {
    /// The client side of an established TLS stream over `S`.
    type Client: AsyncIo<Self> + Unpin;
    /// The server side of an established TLS stream over `S`.
    type Server: AsyncIo<Self> + Unpin;
    /// The client handshake in progress.
    type Connect: Future<Output = io::Result<Self::Client>>;
    /// The server handshake in progress.
    type Accept: Future<Output = io::Result<Self::Server>>;

    /// Starts the client handshake on `io`, verifying the server as `name`.
    fn connect(io: S, config: Arc<ClientConfig>, name: ServerName<'static>) -> Self::Connect;

    /// Starts the server handshake on `io`.
    fn accept(io: S, config: Arc<ServerConfig>) -> Self::Accept {
        Self::accept_with(io, config, |_| {})
    }

    /// Starts the server handshake on `io`, running `hook` on the
    /// connection first (to attach resumption data).
    fn accept_with<F: FnOnce(&mut ServerConnection)>(
        io: S,
        config: Arc<ServerConfig>,
        hook: F,
    ) -> Self::Accept;

    /// The stream underneath a client TLS stream, and its connection.
    fn client_parts(tls: &Self::Client) -> (&S, &ClientConnection);

    /// The stream underneath a server TLS stream, and its connection.
    fn server_parts(tls: &Self::Server) -> (&S, &ServerConnection);
}

/// An async stream of the family `R` that carries plaintext until it is
/// upgraded, then TLS (either side). It implements the family's own
/// `AsyncRead + AsyncWrite`, so it can be driven, or used on its own.
pub struct Stream<S, R: AsyncTls<S>> {
    inner: Inner<S, R>,
    /// A client stream's connector and server name (see
    /// [`connect_like`](Self::connect_like)).
    origin: Option<Box<Origin>>,
}

enum Inner<S, R: AsyncTls<S>> {
    Plain(S),
    Client(Box<R::Client>),
    Server(Box<R::Server>),
    /// A handshake failed half-way: the connection is unusable.
    Broken,
}

impl<S, R: AsyncTls<S>> fmt::Debug for Stream<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match &self.inner {
            Inner::Plain(_) => "Stream(plain)",
            Inner::Client(_) => "Stream(tls-client)",
            Inner::Server(_) => "Stream(tls-server)",
            Inner::Broken => "Stream(broken)",
        })
    }
}

impl<S: AsyncIo<R> + Unpin, R: AsyncTls<S>> Stream<S, R> {
    /// A plaintext stream (it may be upgraded later).
    pub fn plain(io: S) -> Self {
        Stream {
            inner: Inner::Plain(io),
            origin: None,
        }
    }

    /// Implicit TLS, client side: runs the handshake now and verifies the
    /// server's certificate for `host`.
    pub async fn connect(io: S, connector: &TlsConnector, host: &str) -> io::Result<Self> {
        let tls = R::connect(io, Arc::clone(connector.config()), server_name(host)?).await?;
        Ok(Stream {
            inner: Inner::Client(Box::new(tls)),
            origin: Some(Box::new(Origin {
                connector: connector.clone(),
                host: host.into(),
            })),
        })
    }

    /// A new client TLS connection over `io` to the same server, with the
    /// same connector and server name, so that it resumes this stream's
    /// session; see the blocking
    /// [`Stream::connect_like`](super::Stream::connect_like).
    pub async fn connect_like<T>(&self, io: T) -> io::Result<Stream<T, R>>
    where
        T: AsyncIo<R> + Unpin,
        R: AsyncTls<T>,
    {
        match &self.origin {
            Some(o) if self.is_tls() => Stream::connect(io, &o.connector, &o.host).await,
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a TLS client stream: nothing to resume",
            )),
        }
    }

    /// Implicit TLS, server side: runs the handshake now.
    ///
    /// It takes as long as the client does: wrap it in the runtime's
    /// timeout (`tokio::time::timeout`), or a client that connects and
    /// says nothing holds the task for ever. (The drivers' in-band
    /// `start_tls` and `accept_tls` bound their handshake themselves.)
    pub async fn accept(io: S, acceptor: &TlsAcceptor) -> io::Result<Self> {
        Self::accept_with(io, acceptor, |_| {}).await
    }

    /// Like [`accept`](Self::accept), with `hook` run on the connection
    /// before the handshake (to attach resumption data).
    pub async fn accept_with(
        io: S,
        acceptor: &TlsAcceptor,
        hook: impl FnOnce(&mut ServerConnection),
    ) -> io::Result<Self> {
        let tls = R::accept_with(io, Arc::clone(acceptor.config()), hook).await?;
        Ok(Stream {
            inner: Inner::Server(Box::new(tls)),
            origin: None,
        })
    }

    /// Upgrades a plaintext stream in place, client side. Prefer
    /// [`Driver::start_tls`], which also checks the machine.
    pub async fn upgrade_client(&mut self, connector: &TlsConnector, host: &str) -> io::Result<()> {
        let io = self.take_plain()?;
        *self = Stream::connect(io, connector, host).await?;
        Ok(())
    }

    /// Upgrades a plaintext stream in place, server side. Prefer
    /// [`Driver::accept_tls`], which also checks the machine.
    pub async fn upgrade_server(&mut self, acceptor: &TlsAcceptor) -> io::Result<()> {
        self.upgrade_server_with(acceptor, |_| {}).await
    }

    /// Like [`upgrade_server`](Self::upgrade_server), with `hook` run on
    /// the connection before the handshake.
    pub async fn upgrade_server_with(
        &mut self,
        acceptor: &TlsAcceptor,
        hook: impl FnOnce(&mut ServerConnection),
    ) -> io::Result<()> {
        let io = self.take_plain()?;
        *self = Stream::accept_with(io, acceptor, hook).await?;
        Ok(())
    }

    /// Takes the plaintext stream out for a handshake, leaving `Broken`
    /// behind until the handshake succeeds; refuses if TLS is already on.
    fn take_plain(&mut self) -> io::Result<S> {
        match core::mem::replace(&mut self.inner, Inner::Broken) {
            Inner::Plain(io) => Ok(io),
            other => {
                self.inner = other;
                Err(already_tls())
            }
        }
    }

    /// Whether the handshake resumed an earlier session; `false` on
    /// plaintext.
    pub fn is_resumed(&self) -> bool {
        let kind = match &self.inner {
            Inner::Client(tls) => R::client_parts(tls).1.handshake_kind(),
            Inner::Server(tls) => R::server_parts(tls).1.handshake_kind(),
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
            Inner::Client(s) => Some(R::client_parts(s).1),
            _ => None,
        }
    }

    /// The server-side TLS connection (SNI, ALPN, version).
    pub fn server_connection(&self) -> Option<&ServerConnection> {
        match &self.inner {
            Inner::Server(s) => Some(R::server_parts(s).1),
            _ => None,
        }
    }

    /// The stream underneath; `None` after a failed handshake.
    pub fn get_ref(&self) -> Option<&S> {
        match &self.inner {
            Inner::Plain(io) => Some(io),
            Inner::Client(s) => Some(R::client_parts(s).0),
            Inner::Server(s) => Some(R::server_parts(s).0),
            Inner::Broken => None,
        }
    }
}

/// Calls one [`AsyncIo`] operation on whichever stream is current, so each
/// family's `AsyncRead`/`AsyncWrite` impl forwards in one line.
macro_rules! forward {
    ($stream:expr, $method:ident($($arg:expr),*)) => {
        match &mut $stream.inner {
            Inner::Plain(io) => AsyncIo::<R>::$method(Pin::new(io), $($arg),*),
            Inner::Client(s) => AsyncIo::<R>::$method(Pin::new(&mut **s), $($arg),*),
            Inner::Server(s) => AsyncIo::<R>::$method(Pin::new(&mut **s), $($arg),*),
            Inner::Broken => Poll::Ready(Err(broken())),
        }
    };
}

impl<S: AsyncIo<R> + Unpin, R: AsyncTls<S>> Stream<S, R> {
    /// Reads from the current stream (plain or TLS).
    pub(crate) fn poll_read_slice(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        forward!(self, poll_read_slice(cx, buf))
    }

    /// Writes to the current stream (plain or TLS).
    pub(crate) fn poll_write_slices(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        forward!(self, poll_write_slices(cx, bufs))
    }

    /// Flushes the current stream (plain or TLS).
    pub(crate) fn poll_flush_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        forward!(self, poll_flush_out(cx))
    }

    /// Shuts the current stream down (on TLS: `close_notify` first).
    pub(crate) fn poll_shut_down(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        forward!(self, poll_shut_down(cx))
    }
}

impl<S, M, R> Driver<Stream<S, R>, M, R>
where
    S: AsyncIo<R> + Unpin,
    R: AsyncTls<S>,
    Stream<S, R>: AsyncIo<R> + Unpin,
    M: Machine,
{
    /// The client side of the in-band upgrade; see the blocking
    /// [`Driver::start_tls`](crate::io::Driver::start_tls).
    pub async fn start_tls(
        &mut self,
        connector: &TlsConnector,
        host: &str,
    ) -> Result<(), DriveError<M::Error>> {
        self.flush().await?;
        check_upgrade(self.machine())?;
        let (stream, timer, deadline) = self.handshake_parts();
        bounded(stream.upgrade_client(connector, host), timer, deadline).await?;
        self.machine().tls_established();
        Ok(())
    }

    /// The server side of the in-band upgrade; see the blocking
    /// [`Driver::accept_tls`](crate::io::Driver::accept_tls).
    pub async fn accept_tls(&mut self, acceptor: &TlsAcceptor) -> Result<(), DriveError<M::Error>> {
        self.accept_tls_with(acceptor, |_| {}).await
    }

    /// Like [`accept_tls`](Self::accept_tls), with `hook` run on the
    /// connection before the handshake (to attach resumption data).
    pub async fn accept_tls_with(
        &mut self,
        acceptor: &TlsAcceptor,
        hook: impl FnOnce(&mut ServerConnection),
    ) -> Result<(), DriveError<M::Error>> {
        self.flush().await?;
        check_upgrade(self.machine())?;
        let (stream, timer, deadline) = self.handshake_parts();
        bounded(stream.upgrade_server_with(acceptor, hook), timer, deadline).await?;
        self.machine().tls_established();
        Ok(())
    }
}
