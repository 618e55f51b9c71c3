//! TLS for the futures-io driver (feature `futures-rustls`): the shared
//! async [`Stream`](super::nonblocking::Stream) over futures-rustls.

use super::nonblocking::{self, AsyncTls};
use crate::io::futures::FuturesIo;
use core::pin::Pin;
use core::task::{Context, Poll};
use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::{client, server};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use std::io::{self, IoSlice};
use std::sync::Arc;

/// A futures-io stream that carries plaintext until it is upgraded, then
/// TLS (either side); see [`nonblocking::Stream`] for its methods.
pub type Stream<S> = nonblocking::Stream<S, FuturesIo>;

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncTls<S> for FuturesIo {
    type Client = client::TlsStream<S>;
    type Server = server::TlsStream<S>;
    type Connect = futures_rustls::Connect<S>;
    type Accept = futures_rustls::Accept<S>;

    fn connect(io: S, config: Arc<ClientConfig>, name: ServerName<'static>) -> Self::Connect {
        futures_rustls::TlsConnector::from(config).connect(name, io)
    }

    fn accept_with<F: FnOnce(&mut ServerConnection)>(
        io: S,
        config: Arc<ServerConfig>,
        hook: F,
    ) -> Self::Accept {
        futures_rustls::TlsAcceptor::from(config).accept_with(io, hook)
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
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_slice(cx, buf)
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

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_out(cx)
    }

    /// Sends TLS `close_notify` (on TLS) and closes the write side.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_shut_down(cx)
    }
}
