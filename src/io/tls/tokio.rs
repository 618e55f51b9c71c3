//! TLS for the tokio driver (feature `tokio-rustls`): the shared async
//! [`Stream`](super::nonblocking::Stream) over tokio-rustls.

use super::nonblocking::{self, AsyncTls};
use crate::io::tokio::Tokio;
use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use core::pin::Pin;
use core::task::{Context, Poll};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use std::io::{self, IoSlice};
use std::sync::Arc;
use tokio_rustls::{client, server};

/// A tokio stream that carries plaintext until it is upgraded, then TLS
/// (either side); see [`nonblocking::Stream`] for its methods.
pub type Stream<S> = nonblocking::Stream<S, Tokio>;

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncTls<S> for Tokio {
    type Client = client::TlsStream<S>;
    type Server = server::TlsStream<S>;
    type Connect = tokio_rustls::Connect<S>;
    type Accept = tokio_rustls::Accept<S>;

    fn connect(io: S, config: Arc<ClientConfig>, name: ServerName<'static>) -> Self::Connect {
        tokio_rustls::TlsConnector::from(config).connect(name, io)
    }

    fn accept_with<F: FnOnce(&mut ServerConnection)>(
        io: S,
        config: Arc<ServerConfig>,
        hook: F,
    ) -> Self::Accept {
        tokio_rustls::TlsAcceptor::from(config).accept_with(io, hook)
    }

    fn client_parts(tls: &Self::Client) -> (&S, &ClientConnection) {
        tls.get_ref()
    }

    fn server_parts(tls: &Self::Server) -> (&S, &ServerConnection) {
        tls.get_ref()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Stream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // The one place tokio's `ReadBuf` meets the slice the shared code
        // reads into: what is read is marked filled.
        let n = core::task::ready!(self
            .get_mut()
            .poll_read_slice(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Stream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_slices(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_slices(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        // tokio-rustls always takes vectored writes; plaintext as its
        // stream does.
        self.is_tls() || self.get_ref().is_some_and(|io| io.is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_out(cx)
    }

    /// Sends TLS `close_notify` (on TLS) and shuts the write side down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_shut_down(cx)
    }
}
