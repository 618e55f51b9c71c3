//! TLS for the futures-io driver (feature `futures-rustls`): the twin of
//! the blocking [`Stream`](super::Stream) and upgrade methods, over
//! futures-rustls.

use super::{server_name, TlsAcceptor, TlsConnector};
use crate::io::futures::Driver;
use crate::io::{check_upgrade, DriveError};
use crate::wire::Machine;
use core::pin::Pin;
use core::task::{Context, Poll};
use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::{client, server};
use rustls::{ClientConnection, ServerConnection};
use std::boxed::Box;
use std::fmt;
use std::io::{self, IoSlice};
use std::sync::Arc;

/// A futures-io stream that carries plaintext until it is upgraded, then TLS
/// (either side).
pub struct Stream<S> {
    inner: Inner<S>,
}

enum Inner<S> {
    Plain(S),
    Client(Box<client::TlsStream<S>>),
    Server(Box<server::TlsStream<S>>),
    Broken,
}

impl<S> fmt::Debug for Stream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match &self.inner {
            Inner::Plain(_) => "Stream(plain)",
            Inner::Client(_) => "Stream(tls-client)",
            Inner::Server(_) => "Stream(tls-server)",
            Inner::Broken => "Stream(broken)",
        })
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream<S> {
    /// A plaintext stream (it may be upgraded later).
    pub fn plain(io: S) -> Self {
        Stream {
            inner: Inner::Plain(io),
        }
    }

    /// Implicit TLS, client side: runs the handshake now and verifies the
    /// server's certificate for `host`.
    pub async fn connect(io: S, connector: &TlsConnector, host: &str) -> io::Result<Self> {
        let tls = futures_rustls::TlsConnector::from(Arc::clone(connector.config()))
            .connect(server_name(host)?, io)
            .await?;
        Ok(Stream {
            inner: Inner::Client(Box::new(tls)),
        })
    }

    /// Implicit TLS, server side: runs the handshake now.
    pub async fn accept(io: S, acceptor: &TlsAcceptor) -> io::Result<Self> {
        let tls = futures_rustls::TlsAcceptor::from(Arc::clone(acceptor.config()))
            .accept(io)
            .await?;
        Ok(Stream {
            inner: Inner::Server(Box::new(tls)),
        })
    }

    /// Upgrades a plaintext stream in place, client side. Prefer
    /// [`Driver::start_tls`], which also checks the machine.
    pub async fn upgrade_client(&mut self, connector: &TlsConnector, host: &str) -> io::Result<()> {
        match core::mem::replace(&mut self.inner, Inner::Broken) {
            Inner::Plain(io) => {
                *self = Stream::connect(io, connector, host).await?;
                Ok(())
            }
            other => {
                self.inner = other;
                Err(super::already_tls())
            }
        }
    }

    /// Upgrades a plaintext stream in place, server side. Prefer
    /// [`Driver::accept_tls`], which also checks the machine.
    pub async fn upgrade_server(&mut self, acceptor: &TlsAcceptor) -> io::Result<()> {
        match core::mem::replace(&mut self.inner, Inner::Broken) {
            Inner::Plain(io) => {
                *self = Stream::accept(io, acceptor).await?;
                Ok(())
            }
            other => {
                self.inner = other;
                Err(super::already_tls())
            }
        }
    }

    /// Whether TLS is established.
    pub fn is_tls(&self) -> bool {
        matches!(self.inner, Inner::Client(_) | Inner::Server(_))
    }

    /// The client-side TLS connection (peer certificates, ALPN, version).
    pub fn client_connection(&self) -> Option<&ClientConnection> {
        match &self.inner {
            Inner::Client(s) => Some(s.get_ref().1),
            _ => None,
        }
    }

    /// The server-side TLS connection (SNI, ALPN, version).
    pub fn server_connection(&self) -> Option<&ServerConnection> {
        match &self.inner {
            Inner::Server(s) => Some(s.get_ref().1),
            _ => None,
        }
    }

    /// The stream underneath; `None` after a failed handshake.
    pub fn get_ref(&self) -> Option<&S> {
        match &self.inner {
            Inner::Plain(io) => Some(io),
            Inner::Client(s) => Some(s.get_ref().0),
            Inner::Server(s) => Some(s.get_ref().0),
            Inner::Broken => None,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Stream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().inner {
            Inner::Plain(io) => Pin::new(io).poll_read(cx, buf),
            Inner::Client(s) => Pin::new(s).poll_read(cx, buf),
            Inner::Server(s) => Pin::new(s).poll_read(cx, buf),
            Inner::Broken => Poll::Ready(Err(super::broken())),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Stream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().inner {
            Inner::Plain(io) => Pin::new(io).poll_write(cx, buf),
            Inner::Client(s) => Pin::new(s).poll_write(cx, buf),
            Inner::Server(s) => Pin::new(s).poll_write(cx, buf),
            Inner::Broken => Poll::Ready(Err(super::broken())),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().inner {
            Inner::Plain(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            Inner::Client(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Inner::Server(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Inner::Broken => Poll::Ready(Err(super::broken())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Plain(io) => Pin::new(io).poll_flush(cx),
            Inner::Client(s) => Pin::new(s).poll_flush(cx),
            Inner::Server(s) => Pin::new(s).poll_flush(cx),
            Inner::Broken => Poll::Ready(Err(super::broken())),
        }
    }

    /// Sends TLS `close_notify` (on TLS) and shuts the write side down.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Plain(io) => Pin::new(io).poll_close(cx),
            Inner::Client(s) => Pin::new(s).poll_close(cx),
            Inner::Server(s) => Pin::new(s).poll_close(cx),
            Inner::Broken => Poll::Ready(Err(super::broken())),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin, M: Machine> Driver<Stream<S>, M> {
    /// The client side of the in-band upgrade; see the blocking
    /// [`Driver::start_tls`](crate::io::Driver::start_tls).
    pub async fn start_tls(
        &mut self,
        connector: &TlsConnector,
        host: &str,
    ) -> Result<(), DriveError<M::Error>> {
        self.flush().await?;
        check_upgrade(self.machine())?;
        self.stream().upgrade_client(connector, host).await?;
        self.machine().tls_established();
        Ok(())
    }

    /// The server side of the in-band upgrade; see the blocking
    /// [`Driver::accept_tls`](crate::io::Driver::accept_tls).
    pub async fn accept_tls(&mut self, acceptor: &TlsAcceptor) -> Result<(), DriveError<M::Error>> {
        self.flush().await?;
        check_upgrade(self.machine())?;
        self.stream().upgrade_server(acceptor).await?;
        self.machine().tls_established();
        Ok(())
    }
}
